package procfs

// pfKthread is PF_KTHREAD from include/linux/sched.h: the task is a kernel
// thread. The flags word is field 9 of /proc/<pid>/stat.
const pfKthread = 0x00200000
