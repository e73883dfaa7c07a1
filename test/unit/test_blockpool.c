/*
 * test_blockpool: blocks are aligned, hold what was asked, come back from
 * their class's list, never past the cap; realloc keeps the contents; a
 * block given back twice or one the pool never made is a fatal error (in
 * a child process); and libevent, once given the pool, runs on it.
 */
#include <sys/wait.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "blockpool.h"
#include "tap.h"

static int
aligned16(const void *p)
{
	return ((uintptr_t)p & 15) == 0;
}

static void
test_classes(void)
{
	static const size_t sizes[][2] = {
		{ 0, 16 }, { 1, 16 }, { 16, 16 }, { 17, 32 }, { 255, 256 },
		{ 256, 256 }, { 257, 512 }, { 512, 512 }, { 513, 1024 },
		{ 1024, 1024 }, { 1025, 2048 }, { 4095, 4096 }, { 4096, 4096 },
		{ 4097, 4097 }, { 100000, 100000 },
	};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		is_int((long long)blockpool_usable(sizes[i][0]),
		    (long long)sizes[i][1], "a block of this size holds its class");
}

/* Every size from 0 to 5000: aligned, writable to its end, returned. */
static void
test_sizes(void)
{
	struct blockpool *bp = blockpool_new(1 << 20);
	struct blockpool_stats st;
	int good = 1;
	size_t n;
	char *p;

	for (n = 0; n <= 5000; n++) {
		if ((p = blockpool_alloc(bp, n)) == NULL || !aligned16(p)) {
			good = 0;
			break;
		}
		memset(p, 0xa5, blockpool_usable(n));
		blockpool_release(bp, p);
	}
	ok(good, "sizes 0..5000: aligned to 16 bytes and usable to the end");
	blockpool_stats(bp, &st);
	ok(st.kept_blocks == 20, "one block kept a class (%zu)",
	    st.kept_blocks);
	ok(st.reused > 4000, "the rest reused them (%zu reused, %zu fresh)",
	    st.reused, st.fresh);
	blockpool_free(bp);
}

/* A freed block is the next one handed out in its class (last in, first
 * out: warm in the cache), and not in another class. */
static void
test_reuse(void)
{
	struct blockpool *bp = blockpool_new(1 << 20);
	void *a, *b, *c;

	a = blockpool_alloc(bp, 40);
	blockpool_release(bp, a);
	b = blockpool_alloc(bp, 300);
	ok(a != b, "a block of another class is not reused");
	c = blockpool_alloc(bp, 48);
	ok(a == c, "a block of the same class is reused");
	blockpool_release(bp, b);
	blockpool_release(bp, c);
	blockpool_release(bp, NULL);
	ok(1, "giving back NULL does nothing");
	blockpool_free(bp);
}

/* The cap: at most cap bytes of free blocks a class; large blocks never
 * kept. */
static void
test_cap(void)
{
	struct blockpool *bp = blockpool_new(4096);
	struct blockpool_stats st;
	void *p[300];
	size_t i;

	for (i = 0; i < 300; i++)
		p[i] = blockpool_alloc(bp, 32);
	for (i = 0; i < 300; i++)
		blockpool_release(bp, p[i]);
	blockpool_stats(bp, &st);
	is_int((long long)st.kept_blocks, 128, "4 KiB of 32-byte blocks kept");
	is_int((long long)st.kept_bytes, 4096, "no byte over the cap");
	for (i = 0; i < 10; i++)
		p[i] = blockpool_alloc(bp, 1024);
	for (i = 0; i < 10; i++)
		blockpool_release(bp, p[i]);
	blockpool_stats(bp, &st);
	is_int((long long)st.kept_bytes, 8192, "four 1 KiB blocks more");
	p[0] = blockpool_alloc(bp, 10000);
	blockpool_release(bp, p[0]);
	blockpool_stats(bp, &st);
	is_int((long long)st.kept_bytes, 8192, "a large block is not kept");
	blockpool_free(bp);
}

static int
filled(const unsigned char *p, size_t n, unsigned char first)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)(first + i))
			return 0;
	return 1;
}

static void
fill(unsigned char *p, size_t n, unsigned char first)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(first + i);
}

static void
test_realloc(void)
{
	static const size_t steps[] = { 10, 16, 20, 200, 256, 300, 4000, 4096,
		4097, 9000, 70000, 5000, 3000, 100, 1 };
	struct blockpool *bp = blockpool_new(1 << 20);
	unsigned char *p = NULL, *q;
	size_t i, have = 0, keep;
	int good = 1, moved_small = 0;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		q = blockpool_realloc(bp, p, steps[i]);
		keep = have < steps[i] ? have : steps[i];
		if (q == NULL || !aligned16(q) || !filled(q, keep, 7))
			good = 0;
		if (i > 0 && steps[i] == 16 && q == p)
			moved_small = 1;
		fill(q, steps[i], 7);
		p = q;
		have = steps[i];
	}
	ok(good, "realloc up and down through every class keeps the bytes");
	ok(moved_small, "a block that still fits its class stays in place");
	blockpool_release(bp, p);
	p = blockpool_realloc(bp, NULL, 33);
	ok(p != NULL && blockpool_usable(33) == 48, "realloc of NULL allocates");
	blockpool_release(bp, p);
	blockpool_free(bp);
}

/* Runs fn in a child; 1 when the child died (fatal) rather than exit 0. */
static int
dies(void (*fn)(void))
{
	pid_t pid;
	int status;

	if ((pid = fork()) == -1)
		return 0;
	if (pid == 0) {
		/* fatal() writes its message to stderr: keep TAP clean. */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(3);
		fn();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) == -1)
		return 0;
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
twice(void)
{
	struct blockpool *bp = blockpool_new(1 << 20);
	void *p = blockpool_alloc(bp, 64);

	blockpool_release(bp, p);
	blockpool_release(bp, p);
}

static void
foreign(void)
{
	struct blockpool *bp = blockpool_new(1 << 20);
	char *p = calloc(1, 64);

	blockpool_release(bp, p + 16);
}

static void
test_misuse(void)
{
	ok(dies(twice), "a block given back twice is fatal");
	ok(dies(foreign), "a block the pool never made is fatal");
}

/* libevent allocates from the pool once installed (not under ASan, where
 * the install does nothing): a buffer grown to 1 MiB and drained works. */
static void
test_libevent(void)
{
	struct event_base *base;
	struct evbuffer *buf;
	char chunk[1000];
	size_t i;
	int good = 1;

	blockpool_install_libevent();
	blockpool_install_libevent();	/* twice: no harm */
	if ((base = event_base_new()) == NULL || (buf = evbuffer_new()) == NULL) {
		ok(0, "libevent runs on the pool");
		return;
	}
	for (i = 0; i < 1000; i++) {
		memset(chunk, (int)(i & 0xff), sizeof(chunk));
		if (evbuffer_add(buf, chunk, sizeof(chunk)) == -1)
			good = 0;
	}
	for (i = 0; i < 1000 && good; i++) {
		if (evbuffer_remove(buf, chunk, sizeof(chunk)) !=
		    (int)sizeof(chunk) || chunk[0] != (char)(i & 0xff) ||
		    chunk[999] != (char)(i & 0xff))
			good = 0;
	}
	ok(good && evbuffer_get_length(buf) == 0,
	    "libevent runs on the pool: 1 MB through a buffer, in order");
	evbuffer_free(buf);
	event_base_free(base);
}

int
main(void)
{
	test_classes();
	test_sizes();
	test_reuse();
	test_cap();
	test_realloc();
	test_misuse();
	test_libevent();
	return tap_done();
}
