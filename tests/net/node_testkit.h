/* A node's shared state without its threads (chain, registry, pool, admission) over a
 * one-validator chain in a temporary directory, for the suites that drive the RPC table
 * and server in-process. Header-only; include after testlib.h. */
#ifndef NODE_TESTKIT_H
#define NODE_TESTKIT_H

#include "net_node.h"

/* Makes dir (a new temp dir named after tag) and a dev-mode node whose chain `chain_id`
 * has the operator tl_key(1) as its one validator and participant (all roles), and, when
 * broker is true, a participant "broker" with key tl_key(2) and the broker role only. */
static TL_UNUSED net_node *tk_node_open_with(char dir[PATH_MAX], const char *tag,
                                             const char *chain_id, bool broker)
{
    tl_tmpdir(dir, tag);
    ldg_keypair op, bk;
    tl_key(&op, 1);
    tl_key(&bk, 2);
    const char *names[] = {"operator", "broker"};
    const uint32_t roles[] = {LDG_ROLE_ALL, LDG_ROLE_BROKER};
    const ldg_keypair *keys[] = {&op, &bk};
    static ldg_genesis g;
    tl_genesis(&g, chain_id, 1700000000000ULL, &op, broker ? 2 : 1, names, roles, keys);
    net_node *node = calloc(1, sizeof *node);
    ck_assert_ptr_nonnull(node);
    snprintf(node->home, sizeof node->home, "%s", dir);
    node->reg = net_registry_new();
    char db[PATH_MAX + 8];
    snprintf(db, sizeof db, "%s/data", dir);
    ck_assert_int_eq(ldg_chain_open(&node->chain, db, node->reg, &g, false), LDG_OK);
    node->pool = net_pool_new(64);
    node->dev = true;
    node->admit = net_admit_new(node->chain, node->reg, NULL, &node->time_offset_ms);
    net_admit_set_pool(node->admit, net_pool_probe, node->pool);
    return node;
}

static TL_UNUSED net_node *tk_node_open(char dir[PATH_MAX], const char *tag, const char *chain_id)
{
    return tk_node_open_with(dir, tag, chain_id, false);
}

/* Frees what tk_node_open made and removes dir. */
static TL_UNUSED void tk_node_close(net_node *node, const char *dir)
{
    net_admit_free(node->admit);
    ldg_chain_close(node->chain);
    net_pool_free(node->pool);
    ldg_registry_free(node->reg);
    json_decref(node->preview); /* the cycle_preview cache */
    free(node);
    tl_rmrf(dir);
}

#endif
