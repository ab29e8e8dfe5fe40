/* log: leveled logging to stderr, one JSON object per line.
 *
 * Thread safety comes from the kernel, not from a lock: each line goes out in a single
 * write/writev call, which is atomic for O_APPEND files and for pipes up to PIPE_BUF, so
 * lines from different threads never interleave. The level is an atomic int.
 * Messages are formatted into a fixed stack buffer and truncated at LOG_MSG_MAX bytes
 * (a cut UTF-8 sequence becomes U+FFFD via the JSON escaper); the JSON line itself is
 * built with the JSON writer. errno is preserved so logging inside error paths is safe. */
#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/json.h"

#define LOG_MSG_MAX 4096
#define LOG_LINE_MAX ((size_t)32 << 10)   /* > escaped LOG_MSG_MAX (6x) + fields */

static atomic_int log_level = LOG_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

/* Compared as int: the enum's underlying type may be unsigned. */
void log_set_level(enum log_level lvl)
{
    int v = (int)lvl;

    v = v < LOG_DEBUG ? LOG_DEBUG : v > LOG_ERROR ? LOG_ERROR : v;
    atomic_store_explicit(&log_level, v, memory_order_relaxed);
}

enum log_level log_get_level(void)
{
    return (enum log_level)atomic_load_explicit(&log_level, memory_order_relaxed);
}

/* Finishes a write that the kernel cut short (only on signals or odd fds). */
static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(STDERR_FILENO, p, n);

        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return;
        p += k;
        n -= (size_t)k;
    }
}

void log_line(const char *line, size_t len)
{
    struct iovec iov[2] = { { (void *)line, len }, { (void *)"\n", 1 } };
    int saved = errno;
    ssize_t k;

    do {
        k = writev(STDERR_FILENO, iov, 2);
    } while (k < 0 && errno == EINTR);
    if (k >= 0 && (size_t)k < len + 1) {
        if ((size_t)k < len)
            write_all(line + k, len - (size_t)k);
        write_all("\n", 1);
    }
    errno = saved;
}

static int64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void log_render(struct buf *b, enum log_level lvl, const char *msg, size_t n)
{
    struct json_w w;

    json_init(&w, b);
    json_obj_begin(&w);
    json_key_time(&w, "ts", now_us());
    json_key_str(&w, "level", level_names[lvl]);
    json_key_strn(&w, "msg", msg, n);
    json_obj_end(&w);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    static const char oom[] = "{\"level\":\"error\",\"msg\":\"log: out of memory\"}";
    char msg[LOG_MSG_MAX];
    struct buf b;
    va_list ap;
    int saved = errno, n;

    if ((int)lvl < atomic_load_explicit(&log_level, memory_order_relaxed))
        return;
    if ((int)lvl > LOG_ERROR)
        lvl = LOG_ERROR;
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    buf_init(&b, LOG_LINE_MAX);
    log_render(&b, lvl, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
    if (buf_failed(&b))
        log_line(oom, sizeof(oom) - 1);
    else
        log_line(b.data, b.len);
    buf_cleanup(&b);
    errno = saved;
}
