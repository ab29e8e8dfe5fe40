/* Unit tests for core/log.c. stderr is pointed at a temporary file for each test and
 * every line written is parsed back with jansson. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

struct capture {
    FILE *tmp;
    int saved_fd;
    char *text;
    size_t len;
};

static int capture_begin(void **state)
{
    static struct capture c;

    c.tmp = tmpfile();
    assert_non_null(c.tmp);
    fflush(stderr);
    c.saved_fd = dup(STDERR_FILENO);
    assert_true(dup2(fileno(c.tmp), STDERR_FILENO) >= 0);
    c.text = NULL;
    c.len = 0;
    log_set_level(LOG_INFO);
    *state = &c;
    return 0;
}

static int capture_end(void **state)
{
    struct capture *c = *state;

    dup2(c->saved_fd, STDERR_FILENO);
    close(c->saved_fd);
    fclose(c->tmp);
    free(c->text);
    return 0;
}

/* Everything written to stderr so far, NUL-terminated. */
static const char *captured(struct capture *c)
{
    long n;

    free(c->text);
    n = lseek(fileno(c->tmp), 0, SEEK_END);
    assert_true(n >= 0);
    c->text = malloc((size_t)n + 1);
    assert_non_null(c->text);
    assert_int_equal(pread(fileno(c->tmp), c->text, (size_t)n, 0), n);
    c->text[n] = '\0';
    c->len = (size_t)n;
    return c->text;
}

/* Parses the single line in text (which must end with exactly one newline). */
static json_t *one_line(const char *text)
{
    size_t n = strlen(text);
    json_error_t err;
    json_t *v;

    assert_true(n > 0);
    assert_int_equal(text[n - 1], '\n');
    assert_null(memchr(text, '\n', n - 1));
    v = json_loadb(text, n - 1, 0, &err);
    assert_non_null(v);
    return v;
}

static void check_ts(const char *ts)
{
    size_t n = strlen(ts);

    assert_true(n == 20 || n == 27);
    assert_int_equal(ts[4], '-');
    assert_int_equal(ts[10], 'T');
    assert_int_equal(ts[n - 1], 'Z');
}

static void test_msg_is_one_json_line(void **state)
{
    struct capture *c = *state;
    const char *text;
    json_t *v;

    log_info("hello %s \"q\"\n%d\\", "w", 5);
    text = captured(c);
    assert_memory_equal(text, "{\"ts\":\"", 7);
    assert_non_null(strstr(text, "Z\",\"level\":\"info\",\"msg\":\"hello w \\\"q\\\"\\n5\\\\\"}\n"));
    v = one_line(text);
    assert_string_equal(json_string_value(json_object_get(v, "level")), "info");
    assert_string_equal(json_string_value(json_object_get(v, "msg")), "hello w \"q\"\n5\\");
    check_ts(json_string_value(json_object_get(v, "ts")));
    assert_int_equal(json_object_size(v), 3);
    json_decref(v);
}

static void test_level_filter(void **state)
{
    struct capture *c = *state;
    const char *text;

    log_set_level(LOG_WARN);
    assert_int_equal(log_get_level(), LOG_WARN);
    log_debug("no");
    log_info("no");
    assert_string_equal(captured(c), "");
    log_warn("w");
    log_error("e");
    text = captured(c);
    assert_non_null(strstr(text, "\"level\":\"warn\",\"msg\":\"w\"}\n{"));
    assert_non_null(strstr(text, "\"level\":\"error\",\"msg\":\"e\"}\n"));
    log_set_level(LOG_DEBUG);
    log_debug("d");
    assert_non_null(strstr(captured(c), "\"level\":\"debug\",\"msg\":\"d\"}\n"));
    log_set_level((enum log_level)99);
    assert_int_equal(log_get_level(), LOG_ERROR);
    log_set_level((enum log_level)-5);
    assert_int_equal(log_get_level(), LOG_DEBUG);
}

static void test_log_line(void **state)
{
    struct capture *c = *state;

    log_line("{\"a\":1}", 7);
    log_line("{\"b\":2}xxx", 7);
    assert_string_equal(captured(c), "{\"a\":1}\n{\"b\":2}\n");
}

static void test_huge_message_truncated(void **state)
{
    struct capture *c = *state;
    char *big = malloc(10001);
    json_t *v;

    assert_non_null(big);
    memset(big, 'x', 10000);
    big[10000] = '\0';
    log_info("%s", big);
    v = one_line(captured(c));
    assert_int_equal(strlen(json_string_value(json_object_get(v, "msg"))), 4095);
    json_decref(v);
    free(big);
}

static void test_bad_utf8_and_control_chars(void **state)
{
    struct capture *c = *state;
    json_t *v;

    log_error("path=%s\x01", "\xff\xc3");
    v = one_line(captured(c));
    assert_string_equal(json_string_value(json_object_get(v, "msg")),
                        "path=\xEF\xBF\xBD\xEF\xBF\xBD\x01");
    json_decref(v);
}

static void test_errno_preserved(void **state)
{
    (void)state;
    errno = ENOENT;
    log_info("x %d", 1);
    assert_int_equal(errno, ENOENT);
    log_debug("filtered");
    assert_int_equal(errno, ENOENT);
    log_line("y", 1);
    assert_int_equal(errno, ENOENT);
}

#define NTHREADS 8
#define NLINES 300

static void *writer(void *arg)
{
    int id = (int)(intptr_t)arg, i;
    char line[256];

    for (i = 0; i < NLINES; i++) {
        log_info("thread %d line %d %0200d", id, i, 0);
        snprintf(line, sizeof(line), "{\"t\":%d,\"i\":%d,\"pad\":\"%0180d\"}", id, i, 0);
        log_line(line, strlen(line));
    }
    return NULL;
}

static void test_threads_never_interleave(void **state)
{
    struct capture *c = *state;
    pthread_t t[NTHREADS];
    const char *p, *nl;
    json_error_t err;
    int i, lines = 0;

    for (i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, writer, (void *)(intptr_t)i), 0);
    for (i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    for (p = captured(c); (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        json_t *v = json_loadb(p, (size_t)(nl - p), 0, &err);

        assert_non_null(v);
        json_decref(v);
        lines++;
    }
    assert_int_equal(*p, '\0');
    assert_int_equal(lines, NTHREADS * NLINES * 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_msg_is_one_json_line, capture_begin, capture_end),
        cmocka_unit_test_setup_teardown(test_level_filter, capture_begin, capture_end),
        cmocka_unit_test_setup_teardown(test_log_line, capture_begin, capture_end),
        cmocka_unit_test_setup_teardown(test_huge_message_truncated, capture_begin,
                                        capture_end),
        cmocka_unit_test_setup_teardown(test_bad_utf8_and_control_chars, capture_begin,
                                        capture_end),
        cmocka_unit_test_setup_teardown(test_errno_preserved, capture_begin, capture_end),
        cmocka_unit_test_setup_teardown(test_threads_never_interleave, capture_begin,
                                        capture_end),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
