package tui

import "charm.land/bubbles/v2/key"

// keyMap is every key the wizard answers to. The help line shows the ones
// that work on the current screen (Model.helpBindings).
type keyMap struct {
	Next     key.Binding // next field, then next screen
	Back     key.Binding // previous field, then previous screen
	Esc      key.Binding // back a screen; cancels a running test
	Quit     key.Binding
	Up, Down key.Binding // choose an option, move between fields, scroll
	Toggle   key.Binding // check boxes
	Start    key.Binding // welcome
	Cancel   key.Binding // test screen, while running
	Fix      key.Binding // test screen, after a failure: jump to the field at fault
	Retry    key.Binding
	Trace    key.Binding
	Details  key.Binding // test screen: every step's line in full
	Pin      key.Binding // test screen: pin the certificate the test saw
	Continue key.Binding // test screen, after the test
	Save     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Yes, No  key.Binding
	Done     key.Binding

	Browse     key.Binding // mailbox screen: the folder browser
	BrowseTest key.Binding // test screen, after a folder failure: the folder browser
	UseOffer   key.Binding // mailbox screen: take the offered folder name
	Detect     key.Binding // server screen: probe the server
	Choose     key.Binding // folder browser, detect: take the selected line
	Filter     key.Binding // folder browser: typing filters (help only)
}

func newKeyMap(arrows string) keyMap {
	return keyMap{
		Next:     key.NewBinding(key.WithKeys("enter", "tab"), key.WithHelp("enter/tab", "next")),
		Back:     key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab/esc", "back")),
		Esc:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Quit:     key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Up:       key.NewBinding(key.WithKeys("up"), key.WithHelp(arrows, "choose")),
		Down:     key.NewBinding(key.WithKeys("down"), key.WithHelp(arrows, "choose")),
		Toggle:   key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "toggle")),
		Start:    key.NewBinding(key.WithKeys("enter", "tab"), key.WithHelp("enter", "start")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel test")),
		Fix:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "fix")),
		Retry:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "retry")),
		Trace:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "trace")),
		Details:  key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "details")),
		Pin:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pin certificate")),
		Continue: key.NewBinding(key.WithKeys("enter", "tab"), key.WithHelp("enter", "continue")),
		Save:     key.NewBinding(key.WithKeys("enter", "s"), key.WithHelp("enter/s", "save")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Yes:      key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:       key.NewBinding(key.WithKeys("n", "N", "enter", "esc"), key.WithHelp("n", "no")),
		Done:     key.NewBinding(key.WithKeys("enter", "q", "esc", "ctrl+c"), key.WithHelp("enter", "quit")),

		// The form screens type letters into their fields: their own keys are Ctrl combinations.
		Browse:     key.NewBinding(key.WithKeys("ctrl+l"), key.WithHelp("ctrl+l", "list folders")),
		BrowseTest: key.NewBinding(key.WithKeys("b", "ctrl+l"), key.WithHelp("b", "browse folders")),
		UseOffer:   key.NewBinding(key.WithKeys("ctrl+y"), key.WithHelp("ctrl+y", "use it")),
		Detect:     key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "detect")),
		Choose:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
		Filter:     key.NewBinding(key.WithKeys(""), key.WithHelp("type", "filter")), // no key matches ""
	}
}

// with returns b with its help text replaced (a per-screen label such as
// "enter save" for the same key).
func with(b key.Binding, keys, desc string) key.Binding {
	b.SetHelp(keys, desc)
	return b
}
