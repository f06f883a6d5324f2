// Package monitor turns a connection test (mailconn.Result and its step
// events) into what monitoring systems read: a state after thresholds
// (certificate expiry, backlog, message count, time), the Monitoring
// Plugins output for Nagios and Icinga, the Prometheus text exposition for
// node_exporter's textfile collector, and one JSON object.
//
// It does no I/O of its own beyond the io.Writer it is given, and imports no
// UI package. Everything it prints is ASCII; text from the server reaches it
// only already sanitized by mailconn, and none of it goes into performance
// data or metric labels.
package monitor
