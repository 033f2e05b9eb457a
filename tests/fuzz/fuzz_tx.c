/* libFuzzer target for the transaction decoder (ledger/ldg_tx).
 *
 * Properties checked on every input that decodes:
 * - the id is tagged_hash("folio/tx", body), the body being the wire minus its array
 *   header and signature trailer, and decoding twice gives the same id;
 * - the signature is the wire's last 64 bytes (ldg_tx_wire_sig, which asserts the trailer),
 *   and the tx root from the wire bytes equals the one over the decoded id and signature;
 * - the payload is an array, the chain id is 1..32 printable bytes, the version is 1;
 * - signature verification and the admission prechecks run without fault;
 * - a decoded transaction's fields re-encode (with its own payload and signature) to the
 *   very input bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldg_block.h"
#include "ldg_exec.h"
#include "ldg_tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ldg_tx tx;
    ldg_result r = ldg_tx_decode(&tx, data, size);
    if (r != LDG_R_OK) {
        LDG_ASSERT(r == LDG_R_MALFORMED || r == LDG_R_TOO_LARGE || r == LDG_R_BAD_VERSION ||
                   r == LDG_R_BAD_TEXT);
        LDG_ASSERT(r != LDG_R_TOO_LARGE || size > LDG_TX_SIZE_MAX);
        return 0;
    }
    LDG_ASSERT(size <= LDG_TX_SIZE_MAX && tx.version == LDG_TX_VERSION);
    size_t cl = strlen(tx.chain_id);
    LDG_ASSERT(cl >= 1 && cl <= LDG_CHAIN_ID_LEN_MAX);
    LDG_ASSERT(tx.payload && tx.payload->type == MSGPACK_OBJECT_ARRAY);
    ldg_hash id;
    ldg_tagged_hash(&id, LDG_TAG_TX, data + 1, size - 1 - 2 - LDG_SIG_LEN);
    LDG_ASSERT(memcmp(id.b, tx.id.b, LDG_HASH_LEN) == 0);
    ldg_sig sig;
    ldg_tx_wire_sig(&sig, data, size);
    LDG_ASSERT(memcmp(sig.b, tx.sig.b, LDG_SIG_LEN) == 0);
    ldg_tx_ref ref = ldg_tx_ref_of(&tx);
    ldg_hash root, root_wire;
    ldg_tx_root(&root, &ref, 1);
    LDG_ASSERT(ldg_tx_root_wire(&root_wire, &data, &size, 1));
    LDG_ASSERT(memcmp(root.b, root_wire.b, LDG_HASH_LEN) == 0);
    (void)ldg_tx_verify(&tx, &(ldg_hash){{0}});
    (void)ldg_exec_precheck(&tx, tx.chain_id, tx.expiry_ms);
    (void)ldg_exec_precheck(&tx, "folio-fuzz", 0);

    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_array(&e, 7);
    ldg_enc_u64(&e, tx.version);
    ldg_enc_str(&e, tx.chain_id);
    ldg_enc_u64(&e, tx.type);
    ldg_enc_bin(&e, tx.sender.b, LDG_PUBKEY_LEN);
    ldg_enc_bin(&e, tx.nonce, LDG_TX_NONCE_LEN);
    ldg_enc_u64(&e, tx.expiry_ms);
    LDG_ASSERT(msgpack_pack_object(&e.pk, *tx.payload) == 0);
    ldg_enc_bin(&e, tx.sig.b, LDG_SIG_LEN);
    LDG_ASSERT(ldg_enc_len(&e) == size && memcmp(ldg_enc_data(&e), data, size) == 0);
    ldg_enc_free(&e);

    ldg_tx again;
    LDG_ASSERT(ldg_tx_decode(&again, data, size) == LDG_R_OK);
    LDG_ASSERT(memcmp(again.id.b, tx.id.b, LDG_HASH_LEN) == 0);
    ldg_tx_free(&again);
    ldg_tx_free(&tx);
    return 0;
}

size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    if (index >= 4)
        return 0;
    uint8_t secret[LDG_SECKEY_LEN];
    memset(secret, 0x42, sizeof secret);
    ldg_keypair kp;
    LDG_ASSERT(ldg_keypair_from_secret(&kp, secret) == LDG_OK);
    ldg_enc p;
    ldg_enc_init(&p);
    uint64_t type = 11;
    if (index == 0) { /* asset.transfer */
        ldg_enc_array(&p, 3);
        ldg_enc_str(&p, "US0378331005");
        ldg_enc_u64(&p, 250);
        ldg_enc_bin(&p, kp.pub.b, LDG_ACCOUNT_LEN);
    } else if (index == 1) { /* participant.register */
        type = LDG_TX_PARTICIPANT_REGISTER;
        ldg_enc_array(&p, 3);
        ldg_enc_str(&p, "alice");
        ldg_enc_u64(&p, LDG_ROLE_INVESTOR);
        ldg_enc_bin(&p, kp.pub.b, LDG_PUBKEY_LEN);
    } else if (index == 2) { /* asset.issue_equity */
        type = 10;
        ldg_enc_array(&p, 6);
        ldg_enc_str(&p, "US0378331005");
        ldg_enc_str(&p, "Apple");
        ldg_enc_u64(&p, 1000000);
        ldg_enc_bin(&p, kp.pub.b, LDG_ACCOUNT_LEN);
        ldg_enc_str(&p, "A");
        ldg_enc_u64(&p, 3);
    } else { /* empty payload */
        ldg_enc_array(&p, 0);
    }
    size_t len;
    uint8_t *w = ldg_tx_build(&len, NULL, "folio-fuzz", &(ldg_hash){{0}}, type, &kp,
                              1700000000000ULL + index, ldg_enc_data(&p), ldg_enc_len(&p), true);
    ldg_enc_free(&p);
    LDG_ASSERT(w);
    size_t n = len <= cap ? len : 0;
    memcpy(out, w, n);
    free(w);
    return n;
}
