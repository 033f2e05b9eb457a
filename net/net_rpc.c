#include "net_rpc.h"
#include "ldg_limits.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct net_client {
    nng_socket sock;
};

ldg_err net_client_open(net_client **out, const char *url, int timeout_ms, char *err,
                        size_t err_len)
{
    net_client *c = calloc(1, sizeof *c);
    if (!c)
        return LDG_ERR_NOMEM;
    int rv = nng_req0_open(&c->sock);
    if (rv == 0) {
        nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO, timeout_ms);
        nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO, timeout_ms);
        nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, LDG_RPC_MSG_SIZE_MAX);
        /* No automatic resend: a submission must not be sent twice behind our back. */
        nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
        rv = nng_dial(c->sock, url, NULL, 0);
    }
    if (rv != 0) {
        snprintf(err, err_len,
                 "cannot reach the node at %s (%s); is it running? "
                 "start it with 'folio node start --detach'",
                 url, nng_strerror(rv));
        nng_close(c->sock);
        free(c);
        return LDG_ERR_UNAVAILABLE;
    }
    *out = c;
    return LDG_OK;
}

void net_client_close(net_client *c)
{
    if (!c)
        return;
    nng_close(c->sock);
    free(c);
}

ldg_err net_client_call(net_client *c, const ldg_enc *req, int *status, char **json)
{
    int rv = nng_send(c->sock, (void *)ldg_enc_data(req), ldg_enc_len(req), 0);
    if (rv != 0)
        return rv == NNG_ETIMEDOUT ? LDG_ERR_TIMEOUT : LDG_ERR_UNAVAILABLE;
    char *buf = NULL;
    size_t len = 0;
    rv = nng_recv(c->sock, &buf, &len, NNG_FLAG_ALLOC);
    if (rv != 0)
        return rv == NNG_ETIMEDOUT ? LDG_ERR_TIMEOUT : LDG_ERR_UNAVAILABLE;
    ldg_dec d;
    ldg_err err = ldg_decode(&d, (const uint8_t *)buf, len);
    if (err != LDG_OK) {
        nng_free(buf, len);
        return LDG_ERR_PROTOCOL;
    }
    const msgpack_object *f;
    uint64_t st;
    if (!ldg_obj_array(d.root, 2, &f) || !ldg_obj_u64(&f[0], &st) ||
        f[1].type != MSGPACK_OBJECT_STR) {
        ldg_dec_free(&d);
        nng_free(buf, len);
        return LDG_ERR_PROTOCOL;
    }
    *status = (int)st;
    *json = strndup(f[1].via.str.ptr, f[1].via.str.size);
    LDG_ASSERT(*json);
    ldg_dec_free(&d);
    nng_free(buf, len);
    return LDG_OK;
}

void net_rpc_reply(ldg_enc *e, int status, const char *json)
{
    ldg_enc_array(e, 2);
    ldg_enc_u64(e, (uint64_t)status);
    ldg_enc_str(e, json);
}
