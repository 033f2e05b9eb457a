/* libFuzzer target for the governance proposal decoder (gov_proposal_decode,
 * governance/gov_state.c): the gov.propose payload.
 *
 * Properties checked on every input that is one canonical msgpack value:
 * - the decoder returns OK or one of its stated refusals, and a detail sentence for each
 *   refusal but BAD_PAYLOAD;
 * - a decoded proposal has a known kind, its action payload is within the limit, and
 *   [kind, params, expiry, delay] re-encodes to exactly the input bytes;
 * - the kind's state checks run on an empty state without fault. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gov_module.h"
#include "ldg_chain.h"
#include "net_node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ldg_dec d;
    if (size > LDG_TX_SIZE_MAX || ldg_decode(&d, data, size) != LDG_OK)
        return 0;
    gov_proposal_in in;
    char detail[LDG_TEXT_LEN_MAX + 1] = "";
    ldg_result r = gov_proposal_decode(d.root, &in, detail, sizeof detail);
    if (r != LDG_R_OK) {
        LDG_ASSERT(r == LDG_R_BAD_PAYLOAD || r == GOV_R_BAD_KIND || r == GOV_R_BAD_PARAMS ||
                   r == GOV_R_PROPOSAL_TOO_LARGE || r == GOV_R_VALSET_SIZE ||
                   r == GOV_R_VALSET_BAD_KEY || r == GOV_R_VALSET_REPEAT);
        LDG_ASSERT(detail[0]);
        ldg_dec_free(&d);
        return 0;
    }
    LDG_ASSERT(gov_kind_name(in.params.kind) != NULL);
    LDG_ASSERT(in.params.payload_len <= GOV_PROPOSAL_SIZE_MAX);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 4);
    ldg_enc_u64(&e, in.params.kind);
    gov_params_encode(&e, &in.params);
    ldg_enc_u64(&e, in.expiry_height);
    ldg_enc_u64(&e, in.delay);
    LDG_ASSERT(ldg_enc_len(&e) == size && memcmp(ldg_enc_data(&e), data, size) == 0);
    ldg_enc_free(&e);
    static ldg_registry *reg;
    if (!reg)
        reg = net_registry_new();
    ldg_memkv *kv = ldg_memkv_new();
    ldg_state *st = ldg_state_new(ldg_memkv_base(kv));
    (void)gov_kind_check(reg, st, 1, in.delay, &in.params, detail, sizeof detail);
    ldg_state_free(st);
    ldg_memkv_free(kv);
    ldg_dec_free(&d);
    return 0;
}

/* One valid payload per kind. */
size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    if (index >= GOV_KIND_MAX)
        return 0;
    gov_params p = {.kind = index + 1, .value = 1};
    memset(p.account.b, 0x21, LDG_ACCOUNT_LEN);
    memset(p.hash, 0x5a, 32);
    snprintf(p.name, sizeof p.name, "gov.quorum_bps");
    static const uint8_t payload[] = {0x91, 0x2a};
    p.payload = payload;
    p.payload_len = sizeof payload;
    if (p.kind == GOV_KIND_ACTION)
        p.value = 140;
    if (p.kind == GOV_KIND_VALIDATOR_SET) { /* add the generator's x: a valid key */
        static const uint8_t gx[32] = {0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac,
                                       0x55, 0xa0, 0x62, 0x95, 0xce, 0x87, 0x0b, 0x07,
                                       0x02, 0x9b, 0xfc, 0xdb, 0x2d, 0xce, 0x28, 0xd9,
                                       0x59, 0xf2, 0x81, 0x5b, 0x16, 0xf8, 0x17, 0x98};
        memcpy(p.keys[0].b, gx, 32);
        p.key_count = 1;
        p.height = 100;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 4);
    ldg_enc_u64(&e, p.kind);
    gov_params_encode(&e, &p);
    ldg_enc_u64(&e, 1000);
    ldg_enc_u64(&e, 2);
    size_t n = ldg_enc_len(&e) <= cap ? ldg_enc_len(&e) : 0;
    memcpy(out, ldg_enc_data(&e), n);
    ldg_enc_free(&e);
    return n;
}
