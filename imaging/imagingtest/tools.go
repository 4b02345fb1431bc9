// Package imagingtest holds what the imaging packages' tests share: finding
// the independent image tools they compare against.
package imagingtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// RequireTools returns the paths of the named command-line tools. A test
// that needs a missing one fails on CI, which must install it (.ci/run),
// and is skipped elsewhere.
func RequireTools(t testing.TB, names ...string) map[string]string {
	t.Helper()
	paths := map[string]string{}
	for _, name := range names {
		path, err := exec.LookPath(name)
		if err == nil && name == "convert" {
			// Only ImageMagick's convert will do: its -profile goes through lcms.
			out, verr := exec.Command(path, "-version").CombinedOutput()
			if verr != nil || !bytes.Contains(out, []byte("ImageMagick")) {
				err = fmt.Errorf("%s is not ImageMagick's convert", path)
			}
		}
		if err != nil {
			how := fmt.Sprintf("%s not found (%v): install libjpeg-turbo-progs, imagemagick, webp and libvips-tools", name, err)
			if os.Getenv("CI") != "" {
				t.Fatal(how + " — CI must have it")
			}
			t.Skip(how)
		}
		paths[name] = path
	}
	return paths
}
