/* The node's log (specs/home.md §6): one line per event on stderr (HOME/node.log for a
 * detached node), each "2026-12-07T07:03:32.123Z LEVEL message": an ISO 8601 UTC time to
 * the millisecond and a level, written with one write(2) so that lines from several
 * threads never interleave. */
#ifndef NET_LOG_H
#define NET_LOG_H

#include <pthread.h>

typedef enum net_log_level { NET_LOG_INFO, NET_LOG_WARN, NET_LOG_ERROR } net_log_level;

/* A tag is a chain id (LDG_CHAIN_ID_LEN_MAX, 32) or "host". */
#define NET_LOG_TAG_MAX 32

void net_log(net_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* In a process hosting several chains (net_host.c) every line carries "[TAG] " before the
 * message: the chain id of the thread's chain, or "host" for the process's own lines.
 * tags_on turns that on for the process; set_tag names the calling thread's chain ("" for
 * none); net_thread_create starts a thread with the creator's tag (every net/ thread is
 * started so, so a chain's threads carry its tag). */
void net_log_tags_on(void);
void net_log_set_tag(const char *tag);
const char *net_log_tag(void);
int net_thread_create(pthread_t *th, void *(*fn)(void *), void *arg);

/* The line net_log writes, without the newline, into out (for tests). */
void net_log_format(char *out, unsigned long len, net_log_level level, long long unix_ms,
                    const char *msg);

#endif
