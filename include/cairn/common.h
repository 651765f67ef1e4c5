/*
 * common.h: what every cairn module uses.
 *
 * Error convention (after libgit2): a function that can fail returns int,
 * 0 on success or a negative CAIRN_E* code, and leaves a message readable
 * with cairn_error_last(). The message slot is per thread (cairn is one
 * thread); errors of an operation suspended in a coroutine live in that
 * operation, never here.
 *
 * Allocation failure is not an error cairn recovers from: the cairn_x*
 * wrappers abort with a message. (The policy sandbox has its own capped
 * allocator and does not use these.)
 *
 * cairn_buf is a growable, always NUL-terminated byte buffer (after Redis'
 * sds and git's strbuf). A zeroed cairn_buf is empty and valid.
 */
#ifndef CAIRN_COMMON_H
#define CAIRN_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifndef CAIRN_VERSION
#define CAIRN_VERSION "0.0.0"
#endif

#if defined(__GNUC__)
#define CAIRN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define CAIRN_NORETURN __attribute__((noreturn))
#else
#define CAIRN_PRINTF(f, a)
#define CAIRN_NORETURN
#endif

#define CAIRN_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Error codes. Expected failures get their own code; everything else is
 * CAIRN_ERROR with a message. */
enum {
	CAIRN_OK = 0,
	CAIRN_ERROR = -1,    /* generic failure, see cairn_error_last() */
	CAIRN_ENOTFOUND = -3, /* the thing asked for does not exist */
	CAIRN_EEXISTS = -4,  /* the thing to create already exists */
	CAIRN_EINVALID = -5, /* bad input (template, flag, file) */
	CAIRN_ELOCKED = -6,  /* the state is locked by someone else */
	CAIRN_ESTALE = -7,   /* a saved plan no longer matches the state */
	CAIRN_EAWS = -8,     /* an AWS call failed (message names it) */
	CAIRN_EINTR = -9     /* interrupted by the user (Ctrl-C) */
};

/* Sets the thread's error message (printf-style) and returns CAIRN_ERROR,
 * so `return cairn_error_set(...)` reads naturally. */
int cairn_error_set(const char *fmt, ...) CAIRN_PRINTF(1, 2);
/* Same, returning the given code. */
int cairn_error_setc(int code, const char *fmt, ...) CAIRN_PRINTF(2, 3);
/* The last message set; "" when none. Borrowed: valid until the next set. */
const char *cairn_error_last(void);
void cairn_error_clear(void);

/* Allocation that cannot fail (aborts with a message instead). */
void *cairn_xmalloc(size_t n);
void *cairn_xcalloc(size_t n, size_t size);
void *cairn_xrealloc(void *p, size_t n);
char *cairn_xstrdup(const char *s);
char *cairn_xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string. */
char *cairn_xasprintf(const char *fmt, ...) CAIRN_PRINTF(1, 2);
char *cairn_xvasprintf(const char *fmt, va_list ap);
CAIRN_NORETURN void cairn_die(const char *fmt, ...) CAIRN_PRINTF(1, 2);

/* A growable byte buffer; ptr is always NUL-terminated once anything has
 * been added, and NULL when nothing has (use cairn_buf_cstr for a string). */
typedef struct cairn_buf {
	char *ptr;   /* the bytes, NUL-terminated */
	size_t len;  /* bytes used, not counting the NUL */
	size_t cap;  /* bytes allocated */
} cairn_buf;

#define CAIRN_BUF_INIT {NULL, 0, 0}

void cairn_buf_grow(cairn_buf *b, size_t extra);
void cairn_buf_put(cairn_buf *b, const void *data, size_t len);
void cairn_buf_puts(cairn_buf *b, const char *s);
void cairn_buf_putc(cairn_buf *b, int c);
void cairn_buf_printf(cairn_buf *b, const char *fmt, ...) CAIRN_PRINTF(2, 3);
void cairn_buf_vprintf(cairn_buf *b, const char *fmt, va_list ap);
void cairn_buf_clear(cairn_buf *b);
/* The contents as a C string; "" for an empty buffer. Borrowed. */
const char *cairn_buf_cstr(const cairn_buf *b);
/* Hands the allocation to the caller (never NULL) and resets b. */
char *cairn_buf_detach(cairn_buf *b);
void cairn_buf_dispose(cairn_buf *b);

/* Reads a whole file into a NUL-terminated allocation. */
int cairn_file_read(const char *path, char **out, size_t *len);
/* Writes a file atomically: PATH.tmp.PID, fsync, rename, fsync of the
 * directory. mode is used for a new file (e.g. 0600 for state). */
int cairn_file_write_atomic(const char *path, const void *data, size_t len, int mode);
/* mkdir -p. */
int cairn_mkdir_p(const char *path, int mode);
/* The directory part of path, allocated: "." when it has none, "/" for a
 * file at the root ("a/b/c.json" -> "a/b"). */
char *cairn_path_dir(const char *path);

/* Hex SHA-256 of data (65 bytes incl. NUL in out). */
void cairn_sha256_hex(const void *data, size_t len, char out[65]);
/* Hex SHA-256 of a file. */
int cairn_sha256_file(const char *path, char out[65]);

/* Monotonic seconds, for elapsed times and deadlines. */
double cairn_now(void);
/* Wall-clock time as RFC 3339 UTC ("2026-11-23T10:00:00Z"). */
void cairn_utc_now(char out[21]);

/* Random bytes from the OS (getrandom); hex of n bytes into out (2n+1). */
void cairn_random_hex(char *out, size_t nbytes);

#endif
