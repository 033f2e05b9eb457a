/* Sub-chain test tool for tests/e2e/subchains.sh (specs/chains.md). Signs with MAIN's operator
 * key and submits to MAIN's node, then waits for the receipt.
 *
 *   chn_tool create MAIN ID SUB PERIOD_MS   register SUB's chain as ID (a committee proposal)
 *   chn_tool action MAIN ID pause|resume|retire|unfreeze
 *   chn_tool forge MAIN ID SUB              SUB's validator signs a second, different block at
 *                                           the height MAIN last anchored; relay it (an
 *                                           equivocation)
 *   chn_tool badcert MAIN ID SUB            SUB's tip signed by a key not in its set
 *
 * create and action go through the governance committee: MAIN's operator proposes and
 * votes. Prints "CODE NAME: detail" (of the proposal's activation for those); exits 0 if the code
 * is 0, 1 if it is not, 2 on any other failure. */
#include "chn.h"
#include "gov_module.h"
#include "ldg_codec.h"
#include "ldg_tx.h"
#include "net_home.h"
#include "net_rpc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static json_t *call(const char *home, ldg_enc *req)
{
    char err[256];
    net_config cfg;
    net_client *c;
    int status = -1;
    char *text = NULL;
    if (net_config_load(home, &cfg, err, sizeof err) != LDG_OK ||
        net_client_open(&c, cfg.rpc_url, 10000, err, sizeof err) != LDG_OK) {
        fprintf(stderr, "chn_tool: %s: %s\n", home, err);
        exit(2);
    }
    ldg_err e = net_client_call(c, req, &status, &text);
    net_client_close(c);
    json_t *j = e == LDG_OK && text ? json_loads(text, 0, NULL) : NULL;
    if (!j || status != 0) {
        fprintf(stderr, "chn_tool: %s answered %d: %s\n", home, status, text ? text : "");
        exit(2);
    }
    free(text);
    return j;
}

/* The last receipt's data read as a big-endian integer (gov.propose: the proposal id). */
static uint64_t last_data;

/* Signs (type, payload) with MAIN's operator, submits, waits for the receipt. */
static int submit(const char *main_home, uint64_t type, const ldg_enc *payload)
{
    char err[256];
    net_config cfg;
    ldg_keypair op;
    static ldg_genesis g;
    if (net_config_load(main_home, &cfg, err, sizeof err) != LDG_OK ||
        net_genesis_load(main_home, &g) != LDG_OK ||
        net_key_load(main_home, "operator", &op) != LDG_OK) {
        fprintf(stderr, "chn_tool: cannot load %s\n", main_home);
        return 2;
    }
    ldg_hash gh, id;
    ldg_genesis_hash(&gh, &g);
    size_t len;
    uint8_t *wire = ldg_tx_build(&len, &id, cfg.chain_id, &gh, type, &op, now_ms() + 600000,
                                 ldg_enc_data(payload), ldg_enc_len(payload), false);
    if (!wire)
        return 2;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "submit");
    ldg_enc_bin(&e, wire, len);
    free(wire);
    json_decref(call(main_home, &e));
    char hex[2 * LDG_HASH_LEN + 1];
    ldg_hex_encode(hex, id.b, LDG_HASH_LEN);
    for (int i = 0; i < 300; i++) {
        ldg_enc_reset(&e);
        ldg_enc_array(&e, 2);
        ldg_enc_str(&e, "tx");
        ldg_enc_bin(&e, id.b, LDG_HASH_LEN);
        json_t *j = call(main_home, &e);
        json_t *r = json_object_get(j, "receipt");
        if (r) {
            long long code = json_integer_value(json_object_get(r, "code"));
            const char *d = json_string_value(json_object_get(r, "data"));
            last_data = d ? strtoull(strncmp(d, "0x", 2) ? d : d + 2, NULL, 16) : 0;
            printf("%lld %s: %s\n", code, json_string_value(json_object_get(r, "name")),
                   json_string_value(json_object_get(r, "detail")));
            json_decref(j);
            ldg_enc_free(&e);
            return code == 0 ? 0 : 1;
        }
        json_decref(j);
        usleep(100000);
    }
    ldg_enc_free(&e);
    fprintf(stderr, "chn_tool: transaction %s not committed in 30 s\n", hex);
    return 2;
}

/* A committee action through the governance committee (specs/governance.md §6.8): MAIN's
 * operator (the committee of a `folio init` home) proposes it, votes yes, and the tool
 * waits for the activation. Prints the activation's result as "CODE NAME: detail". */
static int committee(const char *main_home, uint64_t type, const ldg_enc *inner)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_str(&e, "status");
    json_t *st = call(main_home, &e);
    uint64_t height = (uint64_t)json_integer_value(json_object_get(st, "height"));
    json_decref(st);
    ldg_enc_reset(&e);
    ldg_enc_array(&e, 4);
    ldg_enc_u64(&e, GOV_KIND_ACTION);
    ldg_enc_array(&e, 2);
    ldg_enc_u64(&e, type);
    ldg_enc_bin(&e, ldg_enc_data(inner), ldg_enc_len(inner));
    ldg_enc_u64(&e, height + 1000);
    ldg_enc_u64(&e, 1);
    int rc = submit(main_home, GOV_TX_PROPOSE, &e);
    uint64_t id = last_data;
    if (rc == 0) {
        ldg_enc_reset(&e);
        ldg_enc_array(&e, 2);
        ldg_enc_u64(&e, id);
        ldg_enc_u64(&e, 1); /* yes */
        rc = submit(main_home, GOV_TX_VOTE, &e);
    }
    for (int i = 0; rc == 0 && i < 300; i++) {
        ldg_enc_reset(&e);
        ldg_enc_array(&e, 2);
        ldg_enc_str(&e, "gov_proposal");
        ldg_enc_u64(&e, id);
        json_t *j = call(main_home, &e);
        const char *status = json_string_value(json_object_get(j, "status"));
        if (status && (!strcmp(status, "activated") || !strcmp(status, "failed"))) {
            const char *det = json_string_value(json_object_get(j, "detail"));
            printf("%lld %s: %s\n", (long long)json_integer_value(json_object_get(j, "result")),
                   json_string_value(json_object_get(j, "result_name")), det ? det : "");
            rc = strcmp(status, "activated") ? 1 : 0;
            json_decref(j);
            ldg_enc_free(&e);
            return rc;
        }
        json_decref(j);
        usleep(100000);
    }
    ldg_enc_free(&e);
    if (rc == 0)
        fprintf(stderr, "chn_tool: proposal %llu not activated in 30 s\n", (unsigned long long)id);
    return rc ? rc : 2;
}

static int create(const char *main_home, const char *id, const char *sub, uint64_t period)
{
    static ldg_genesis g;
    ldg_keypair op;
    if (net_genesis_load(sub, &g) != LDG_OK || net_key_load(main_home, "operator", &op) != LDG_OK)
        return 2;
    ldg_hash gh;
    ldg_genesis_hash(&gh, &g);
    ldg_account acct;
    ldg_account_of(&acct, &op.pub);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 7);
    ldg_enc_str(&e, id);
    ldg_enc_str(&e, "securities");
    ldg_enc_str(&e, g.chain_id);
    ldg_enc_bin(&e, gh.b, LDG_HASH_LEN);
    ldg_enc_array(&e, g.validator_count);
    for (uint32_t i = 0; i < g.validator_count; i++)
        ldg_enc_bin(&e, g.validators[i].b, LDG_PUBKEY_LEN);
    ldg_enc_u64(&e, period);
    ldg_enc_bin(&e, acct.b, LDG_ACCOUNT_LEN);
    int rc = committee(main_home, CHN_TX_CREATE, &e);
    ldg_enc_free(&e);
    return rc;
}

static int action(const char *main_home, const char *id, const char *what)
{
    static const struct {
        const char *name;
        uint64_t type;
    } acts[] = {{"pause", CHN_TX_PAUSE},
                {"resume", CHN_TX_RESUME},
                {"retire", CHN_TX_RETIRE},
                {"unfreeze", CHN_TX_UNFREEZE}};
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
        if (!strcmp(what, acts[i].name)) {
            ldg_enc e;
            ldg_enc_init(&e);
            ldg_enc_array(&e, 1);
            ldg_enc_str(&e, id);
            int rc = committee(main_home, acts[i].type, &e);
            ldg_enc_free(&e);
            return rc;
        }
    return 2;
}

/* SUB's tip header, altered (forge) or as is, signed by SUB's validator key (forge) or a
 * stranger (badcert), relayed as checkpoint ID. */
static int relay_signed(const char *main_home, const char *id, const char *sub, bool forge)
{
    char err[256];
    net_config cfg;
    ldg_keypair kp;
    if (net_config_load(sub, &cfg, err, sizeof err) != LDG_OK)
        return 2;
    if (forge ? net_key_load(sub, cfg.validator_key, &kp) != LDG_OK
              : ldg_keypair_generate(&kp) != LDG_OK) {
        fprintf(stderr, "chn_tool: no validator key in %s\n", sub);
        return 2;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    uint64_t at = 0;
    if (forge) { /* the height the main chain last anchored: a second block there */
        ldg_enc_array(&e, 2);
        ldg_enc_str(&e, "subchain");
        ldg_enc_str(&e, id);
        json_t *r = call(main_home, &e);
        at = (uint64_t)json_integer_value(json_object_get(json_object_get(r, "last"), "height"));
        json_decref(r);
        ldg_enc_reset(&e);
    }
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "checkpoint");
    if (at)
        ldg_enc_u64(&e, at);
    else
        ldg_enc_nil(&e);
    json_t *j = call(sub, &e);
    const char *hex = json_string_value(json_object_get(j, "header"));
    size_t n = hex ? strlen(hex) / 2 : 0;
    uint8_t hb[LDG_PROOF_HEADER_MAX];
    ldg_header h;
    if (!n || n > sizeof hb || ldg_hex_decode(hb, n, hex) || ldg_header_decode(&h, hb, n) != LDG_OK)
        return 2;
    json_decref(j);
    if (forge) /* a different block at the same height: another transaction root */
        h.tx_root.b[0] ^= 0x5a;
    ldg_cert cert;
    if (ldg_cert_sign_one(&cert, &h, 0, &kp) != LDG_OK)
        return 2;
    ldg_enc hdr;
    ldg_enc_init(&hdr);
    ldg_header_encode(&hdr, &h);
    ldg_enc_reset(&e);
    chn_checkpoint_tx_encode(&e, id, ldg_enc_data(&hdr), ldg_enc_len(&hdr), &cert);
    printf("relaying %s block %llu signed by %s\n", forge ? "a second" : "the",
           (unsigned long long)h.height, forge ? "the sub-chain's validator" : "a stranger");
    int rc = submit(main_home, CHN_TX_CHECKPOINT, &e);
    ldg_enc_free(&e);
    ldg_enc_free(&hdr);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "create"))
        return create(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10));
    if (argc == 5 && !strcmp(argv[1], "action"))
        return action(argv[2], argv[3], argv[4]);
    if (argc == 5 && (!strcmp(argv[1], "forge") || !strcmp(argv[1], "badcert")))
        return relay_signed(argv[2], argv[3], argv[4], !strcmp(argv[1], "forge"));
    fprintf(stderr, "usage: chn_tool create MAIN ID SUB PERIOD_MS | action MAIN ID VERB | "
                    "forge MAIN ID SUB | badcert MAIN ID SUB\n");
    return 2;
}
