package output

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFileSystems makes the temporary files durable: one syncfs(2) per folder's file system
// (the folders of a batch are usually one).
func syncFileSystems(dirs, _ []string) error {
	for _, dir := range dirs {
		d, err := os.Open(dir)
		if err != nil {
			return err
		}
		err = unix.Syncfs(int(d.Fd()))
		d.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
