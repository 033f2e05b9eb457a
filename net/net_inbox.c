/* The consensus thread's inbox (net_inbox.h). */
#include "net_inbox.h"
#include "net_log.h"
#include "net_clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void net_inbox_init(net_inbox *q)
{
    pthread_mutex_init(&q->lock, NULL);
    net_clock_cond_init(&q->cond); /* waits ignore wall clock steps */
    q->head = q->tail = NULL;
    q->len = 0;
}

void net_inbox_destroy(net_inbox *q)
{
    net_inbox_item *it;
    while ((it = net_inbox_pop(q, 0)))
        net_inbox_item_free(it);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
}

void net_inbox_push(net_inbox *q, net_inbox_item *it)
{
    pthread_mutex_lock(&q->lock);
    if (q->len >= NET_INBOX_MAX) {
        pthread_mutex_unlock(&q->lock);
        net_inbox_item_free(it);
        return;
    }
    it->next = NULL;
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->len++;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

net_inbox_item *net_inbox_pop(net_inbox *q, int wait_ms)
{
    pthread_mutex_lock(&q->lock);
    if (!q->head && wait_ms > 0) {
        struct timespec ts = net_clock_cond_deadline((uint64_t)wait_ms);
        pthread_cond_timedwait(&q->cond, &q->lock, &ts);
    }
    net_inbox_item *it = q->head;
    if (it) {
        q->head = it->next;
        if (!q->head)
            q->tail = NULL;
        q->len--;
    }
    pthread_mutex_unlock(&q->lock);
    return it;
}

void net_inbox_wake(net_inbox *q)
{
    pthread_mutex_lock(&q->lock);
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

void net_inbox_item_free(net_inbox_item *it)
{
    net_p2p_msg_free(&it->m);
    nng_msg_free(it->raw);
    free(it);
}

net_inbox_item *net_inbox_recv(nng_socket s, size_t max, const char *what)
{
    nng_msg *raw;
    int rv = nng_recvmsg(s, &raw, 0);
    if (rv != 0)
        return NULL;
    net_inbox_item *it = calloc(1, sizeof *it);
    LDG_ASSERT(it);
    it->raw = raw;
    ldg_err e = net_p2p_decode(&it->m, nng_msg_body(raw), nng_msg_len(raw), max);
    if (e != LDG_OK) {
        net_log(NET_LOG_WARN,
                "p2p: dropped a malformed %s message (%zu bytes): %s; peer disconnected", what,
                nng_msg_len(raw), ldg_err_str(e));
        nng_pipe_close(nng_msg_get_pipe(raw));
        nng_msg_free(raw);
        free(it);
        return NULL;
    }
    return it;
}
