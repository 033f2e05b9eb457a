/* The consensus thread's inbox: messages that receiver threads took off the p2p sockets,
 * decoded and bounded (net_inbox_recv), queued in arrival order for the one thread that
 * steps the consensus core. Bounded by NET_INBOX_MAX: beyond it messages are dropped (the
 * core's resend brings them back). */
#ifndef NET_INBOX_H
#define NET_INBOX_H

#include "net_p2p.h"

#include <nng/nng.h>
#include <pthread.h>

/* Inbox bound: beyond it, consensus messages are dropped (resend brings them back). */
#define NET_INBOX_MAX 4096

typedef struct net_inbox_item {
    struct net_inbox_item *next;
    nng_msg *raw; /* owns the bytes m borrows */
    net_p2p_msg m;
} net_inbox_item;

typedef struct net_inbox {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    net_inbox_item *head, *tail;
    size_t len;
} net_inbox;

void net_inbox_init(net_inbox *q);
/* Frees what is still queued. */
void net_inbox_destroy(net_inbox *q);
/* Queues it (dropped and freed if the inbox is full). */
void net_inbox_push(net_inbox *q, net_inbox_item *it);
/* The oldest item, waiting up to wait_ms for one; NULL if none. */
net_inbox_item *net_inbox_pop(net_inbox *q, int wait_ms);
/* Wakes a waiting net_inbox_pop (something else needs the consensus thread). */
void net_inbox_wake(net_inbox *q);
void net_inbox_item_free(net_inbox_item *it);
/* Receives one message on s and decodes it within max bytes. NULL on a receive error
 * (timeout, closed) or a malformed message: that one is logged and its connection closed. */
net_inbox_item *net_inbox_recv(nng_socket s, size_t max, const char *what);

#endif
