//go:build unix && !linux

package config

import "testing"

// mountTmpfs cannot mount here; the tests inject the fault instead.
func mountTmpfs(*testing.T, string, string) bool { return false }

func remountReadOnly(t *testing.T, _ string) { t.Fatal("no tmpfs to remount") }

func fillDisk(t *testing.T, _ string) { t.Fatal("no tmpfs to fill") }
