package config

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// Environment of a child process started by a test (see childCmd).
const (
	envChild  = "CONFIG_SAVE_CHILD" // "crash", "loop" or "save"
	envPath   = "CONFIG_SAVE_PATH"
	envStage  = "CONFIG_SAVE_STAGE"  // crash: the Save stage to stop at
	envMarker = "CONFIG_SAVE_MARKER" // crash, loop: written when the child is where the parent may kill it
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(envChild); mode != "" {
		os.Exit(runChild(mode))
	}
	os.Exit(m.Run())
}

// oldConfig and newConfig are what the crash tests save over each other.
func oldConfig() Config {
	c := base()
	c.Incoming.Server = "old.example.com"
	return c
}

func newConfig() Config {
	c := base()
	c.Incoming.Server = "new.example.com"
	c.Incoming.Mailbox = "INBOX/Support"
	c.Incoming.Password = "a new password that is longer than the old one " + fmt.Sprint(time.Now().UnixNano())
	return c
}

// runChild is the body of a child process; its exit code tells the parent
// how it ended (a killed child never returns).
func runChild(mode string) int {
	path := os.Getenv(envPath)
	switch mode {
	case "crash":
		// Stop at one stage of Save and wait there to be killed.
		stage := os.Getenv(envStage)
		saveHook = func(s string) error {
			if s == stage {
				if err := os.WriteFile(os.Getenv(envMarker), []byte(s), 0o600); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(5)
				}
				time.Sleep(time.Hour)
			}
			return nil
		}
		c := newConfig()
		err := Save(path, &c, SaveOptions{})
		fmt.Fprintf(os.Stderr, "Save returned (%v) without reaching stage %q\n", err, stage)
		return 3
	case "loop":
		// Save two configs over each other until killed.
		configs := []Config{oldConfig(), newConfig()}
		for i := 0; ; i++ {
			if err := Save(path, &configs[i%2], SaveOptions{}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 4
			}
			if i == 0 {
				if err := os.WriteFile(os.Getenv(envMarker), []byte("running"), 0o600); err != nil {
					fmt.Fprintln(os.Stderr, err)
					return 5
				}
			}
		}
	case "save":
		// Save once and print the error (used to run as another user).
		c := newConfig()
		if err := Save(path, &c, SaveOptions{}); err != nil {
			fmt.Print(err)
			return 0
		}
		fmt.Print("saved")
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown %s=%q\n", envChild, mode)
	return 2
}
