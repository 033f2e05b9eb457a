#include "net_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const level_name[] = {"INFO", "WARN", "ERROR"};

/* Tags (a process hosting several chains, specs/home.md §6): on for the process once set,
 * one per thread. */
static atomic_bool tagging;
static _Thread_local char thread_tag[NET_LOG_TAG_MAX + 1];

void net_log_tags_on(void)
{
    atomic_store(&tagging, true);
}

void net_log_set_tag(const char *tag)
{
    snprintf(thread_tag, sizeof thread_tag, "%s", tag ? tag : "");
}

const char *net_log_tag(void)
{
    return thread_tag;
}

typedef struct spawn {
    void *(*fn)(void *);
    void *arg;
    char tag[NET_LOG_TAG_MAX + 1];
} spawn;

static void *spawned(void *arg)
{
    spawn sp = *(spawn *)arg;
    free(arg);
    net_log_set_tag(sp.tag);
    return sp.fn(sp.arg);
}

int net_thread_create(pthread_t *th, void *(*fn)(void *), void *arg)
{
    spawn *sp = malloc(sizeof *sp);
    if (!sp)
        return -1;
    sp->fn = fn;
    sp->arg = arg;
    memcpy(sp->tag, thread_tag, sizeof sp->tag);
    int rc = pthread_create(th, NULL, spawned, sp);
    if (rc != 0)
        free(sp);
    return rc;
}

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
    int off = 0;
    if (atomic_load(&tagging))
        off = snprintf(msg, sizeof msg, "[%s] ", thread_tag[0] ? thread_tag : "host");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + off, sizeof msg - (size_t)off, fmt, ap);
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
