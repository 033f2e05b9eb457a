/* Counters for /metrics (specs/http.md §7): counted where things happen, with relaxed
 * atomics (a count ordered with nothing), and the Prometheus text exposition of them and of
 * the node's gauges. */
#ifndef NET_METRICS_H
#define NET_METRICS_H

#include <stdint.h>

typedef struct net_node net_node;
/* One node's (one chain's) counters: several nodes in one process keep theirs apart. */
typedef struct net_metrics net_metrics;

net_metrics *net_metrics_new(void);
void net_metrics_free(net_metrics *m);

/* An HTTP reply by status (counted per process). */
void net_metrics_http(int status);
/* A client transaction refused by admission, by result code (ldg_result); m may be NULL. */
void net_metrics_refusal(net_metrics *m, unsigned code);
/* A block committed `ms` after its height started (the commit latency histogram). */
void net_metrics_commit(net_metrics *m, uint64_t ms);

/* A block committed with this certificate: the validators whose precommit it lacks count a
 * miss each (folio_validator_missed_precommits_total). */
struct ldg_cert;
void net_metrics_certificate(net_metrics *m, const struct ldg_cert *c);

/* The exposition (text format 0.0.4), malloc'd. */
char *net_metrics_text(net_node *n);

#endif
