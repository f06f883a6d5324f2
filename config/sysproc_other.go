//go:build !unix

package config

import "os/exec"

// killProcessGroup leaves the default: a cancelled context kills the process.
func killProcessGroup(*exec.Cmd) {}
