/* log: leveled logging to stderr, one line per event; access log lines are JSON.
 * Never pass secrets (tokens, passwords, nonces) to these functions. Thread-safe. */
#ifndef SHOPD_CORE_LOG_H
#define SHOPD_CORE_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes one already-rendered line (e.g. the JSON access log) plus newline atomically. */
void log_line(const char *line, size_t len);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
