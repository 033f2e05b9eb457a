/* The node's log (specs/home.md §6): one line per event on stderr (HOME/node.log for a
 * detached node), each "2026-12-07T07:03:32.123Z LEVEL message": an ISO 8601 UTC time to
 * the millisecond and a level, written with one write(2) so that lines from several
 * threads never interleave. */
#ifndef NET_LOG_H
#define NET_LOG_H

typedef enum net_log_level { NET_LOG_INFO, NET_LOG_WARN, NET_LOG_ERROR } net_log_level;

void net_log(net_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The line net_log writes, without the newline, into out (for tests). */
void net_log_format(char *out, unsigned long len, net_log_level level, long long unix_ms,
                    const char *msg);

#endif
