package tui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestScreensHoldNoRoot checks the shape of the package: no type but the
// root holds a *Model, and every screen of the wizard is in the root's map.
func TestScreensHoldNoRoot(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || ts.Name.Name == "Model" {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, fl := range st.Fields.List {
				if star, ok := fl.Type.(*ast.StarExpr); ok {
					if id, ok := star.X.(*ast.Ident); ok && id.Name == "Model" {
						t.Errorf("%s: %s holds the root *Model; give it *common and navigate by messages", fset.Position(fl.Pos()), ts.Name.Name)
					}
				}
			}
			return true
		})
	}
	m := newModel(testPath, start{}, environment{}, nil)
	for id := range screenTitles {
		if m.screens[id] == nil {
			t.Errorf("screen %q is not in the root's map", screenTitles[id])
		}
	}
}
