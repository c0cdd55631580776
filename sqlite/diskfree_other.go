//go:build !unix

package sqlite

// diskFree cannot tell the free space here.
func diskFree(string) int64 { return -1 }
