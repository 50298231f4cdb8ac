package procfs

// DrainKernelLog reads every record now in the kernel ring buffer at path
// (/dev/kmsg) and returns without waiting for new ones: `memtui capture`
// saves the OOM-relevant part of the log beside a captured tree, with the
// same reader the OOM follower uses, so both see records the same way.
// Each line is a kmsg record ("6,1234,5678901,-;text").
func DrainKernelLog(path string, line func([]byte)) error {
	r, err := openKmsg(path)
	if err != nil {
		return err
	}
	defer r.f.Close()
	return r.drain(line)
}
