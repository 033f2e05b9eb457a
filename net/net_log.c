#include "net_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const level_name[] = {"INFO", "WARN", "ERROR"};

void net_log_format(char *out, unsigned long len, net_log_level level, long long unix_ms,
                    const char *msg)
{
    time_t secs = (time_t)(unix_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, len, "%s.%03lldZ %-5s %s", when, unix_ms % 1000,
             level_name[level <= NET_LOG_ERROR ? level : NET_LOG_ERROR], msg);
}

void net_log(net_log_level level, const char *fmt, ...)
{
    char msg[1024], line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One line whatever the message holds: a newline in it would start a line without a
     * time (a peer's text may reach the log). */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    net_log_format(line, sizeof line - 1, level, (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
                   msg);
    size_t n = strlen(line);
    line[n++] = '\n';
    fflush(stderr);
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}
