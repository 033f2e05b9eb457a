/* folio testnet init: a local multi-validator network (homes, CA, keys, genesis, configs). */
#ifndef NET_TESTNET_H
#define NET_TESTNET_H

#include "ldg_assert.h"
#include "ldg_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A sub-chain of a consortium (--sub NAME:N). */
typedef struct net_testnet_sub {
    char name[17];       /* a sub-chain id (specs/chains.md §2) */
    uint32_t validators; /* 1..members: members 0..N-1 validate it */
} net_testnet_sub;

typedef struct net_testnet_opts {
    const char *dir;      /* created; holds ca/ and node0..node{n-1} */
    uint32_t validators;  /* 2..NET_CONS_VALIDATORS_MAX */
    uint32_t observers;   /* extra homes following without voting */
    uint32_t spares;      /* validator homes after them, not in the genesis set: keys and
                             certificates for validators governance may add later */
    int base_port;        /* node i uses base_port + 10 i .. + 3 for p2p, + 9 for RPC */
    const char *chain_id; /* NULL: folio-testnet */
    bool tls;
    /* A consortium (--main M --sub NAME:N ...): validators is M, the members. */
    const net_testnet_sub *subs;
    uint32_t sub_count;
    uint64_t period_ms; /* the anchoring period of the chain.create proposals written (0: the
                         * governed chains.anchor_period_ms at their activation) */
} net_testnet_opts;

/* Writes a consortium CA (DIR/ca), and per node: TLS certificate and key signed by the
 * CA, a validator key, an operator key, the shared genesis (validators in order; node0's
 * operator is the registrar) and a config.ini pointing at the other nodes on loopback. */
ldg_err net_testnet_init(const net_testnet_opts *o, char *err, size_t err_len) LDG_WARN_UNUSED;

/* With sub-chains: DIR/nodeI is member I, hosting the main chain in its home and sub-chain
 * S in DIR/nodeI/chains/S ([host] chains), each chain with its own id (MAINID-S), genesis,
 * keys, TLS certificate and ports (specs/chains.md §9). net_testnet_init calls it when
 * o->sub_count > 0. */
ldg_err net_testnet_consortium_init(const net_testnet_opts *o, char *err,
                                    size_t err_len) LDG_WARN_UNUSED;

#endif
