// Package monitor turns a connection test (mailconn.Result and its step
// events) into what monitoring systems read: a state after thresholds
// (certificate expiry, backlog, message count, time), the Monitoring
// Plugins output for Nagios and Icinga, the Prometheus text exposition for
// node_exporter's textfile collector, and one JSON object.
//
// It does no I/O beyond the io.Writer it is given and WriteFile (the
// atomic replace behind --output), and imports no UI package. The Nagios
// output is printable ASCII. Text from the server reaches this package only
// already sanitized by mailconn (step details and hints), and none of it
// goes into performance data or metrics: their labels come from the config.
package monitor
