/* folio testnet init: a local multi-validator network (homes, CA, keys, genesis, configs). */
#ifndef NET_TESTNET_H
#define NET_TESTNET_H

#include "ldg_assert.h"
#include "ldg_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct net_testnet_opts {
    const char *dir;      /* created; holds ca/ and node0..node{n-1} */
    uint32_t validators;  /* 2..NET_CONS_VALIDATORS_MAX */
    uint32_t observers;   /* extra homes following without voting */
    uint32_t spares;      /* validator homes after them, not in the genesis set: keys and
                             certificates for validators governance may add later */
    int base_port;        /* node i uses base_port + 10 i .. + 3 for p2p, + 9 for RPC */
    const char *chain_id; /* NULL: folio-testnet */
    bool tls;
} net_testnet_opts;

/* Writes a consortium CA (DIR/ca), and per node: TLS certificate and key signed by the
 * CA, a validator key, an operator key, the shared genesis (validators in order; node0's
 * operator is the registrar) and a config.ini pointing at the other nodes on loopback. */
ldg_err net_testnet_init(const net_testnet_opts *o, char *err, size_t err_len) LDG_WARN_UNUSED;

#endif
