#include "net_hold.h"

void net_hold_future(net_hold *q, net_inbox_item *it)
{
    if (q->future_len >= NET_BFT_FUTURE_MAX) {
        net_inbox_item_free(it);
        return;
    }
    it->next = q->future;
    q->future = it;
    q->future_len++;
}

net_inbox_item *net_hold_future_take(net_hold *q)
{
    net_inbox_item *list = q->future;
    q->future = NULL;
    q->future_len = 0;
    return list;
}

void net_hold_held(net_hold *q, net_inbox_item *it)
{
    if (q->held_len >= NET_BFT_HELD_MAX) {
        net_inbox_item_free(it); /* resend brings it back */
        return;
    }
    q->held_len++;
    it->next = NULL;
    if (q->held_tail)
        q->held_tail->next = it;
    else
        q->held = it;
    q->held_tail = it;
}

net_inbox_item *net_hold_release(net_hold *q)
{
    net_inbox_item *it = q->held;
    if (!it)
        return NULL;
    q->held = it->next;
    q->held_len--;
    if (!q->held)
        q->held_tail = NULL;
    return it;
}

void net_hold_free(net_hold *q)
{
    net_inbox_item *it;
    while ((it = net_hold_future_take(q)) != NULL) {
        while (it) {
            net_inbox_item *next = it->next;
            net_inbox_item_free(it);
            it = next;
        }
    }
    while ((it = net_hold_release(q)) != NULL)
        net_inbox_item_free(it);
}
