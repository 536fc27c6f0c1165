// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include "capture/targetmem.h"

long ld_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	size_t done = 0;

	/* The kernel copies page by page and stops at the first bad one. */
	while (done < len) {
		struct iovec local = { (char *)buf + done, len - done };
		struct iovec remote = { (void *)(uintptr_t)(addr + done), len - done };
		ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (done)
				break;
			return n < 0 ? -errno : -EFAULT;
		}
		done += n;
	}
	return done;
}

long ld_mem_read_pid(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return ld_mem_read(*(const pid_t *)ctx, addr, buf, len);
}

int ld_mem_read_str_src(const struct ld_mem_source *src, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;

	if (!size)
		return -EINVAL;
	/* Never read across a page we do not need: strings may end at a mapping's end. */
	while (got + 1 < size) {
		size_t page_left = 4096 - ((addr + got) & 4095);
		size_t want = size - 1 - got < page_left ? size - 1 - got : page_left;
		long n = src->read(src->ctx, addr + got, buf + got, want);

		if (n <= 0) {
			if (!got)
				return n < 0 ? (int)n : -EFAULT;
			break;	/* keep what was readable */
		}
		if ((size_t)n > want)
			n = want;	/* a source that claims more than it was asked for */
		if (memchr(buf + got, 0, n))
			return 0;
		got += n;
	}
	buf[got] = 0;
	return 0;
}

int ld_mem_read_str(pid_t pid, uint64_t addr, char *buf, size_t size)
{
	struct ld_mem_source src = { .read = ld_mem_read_pid, .ctx = &pid };

	return ld_mem_read_str_src(&src, addr, buf, size);
}

int ld_mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { (void *)buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_writev(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}
