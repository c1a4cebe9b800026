/* tape_net.c: a layered network's forward pass and the task losses written on the tape, the
 * same computations as network.c and kernels.c's rs_loss, in the tape's precision. */
#include <string.h>

#include "act_fn.h"
#include "tape.h"

static const char *const tape_acts[] = { "identity", "sigmoid", "tanh", "relu", "leaky_relu",
                                         "softplus" };

int rs_tape_act_supported(const char *name)
{
    for (size_t i = 0; i < sizeof tape_acts / sizeof *tape_acts; i++)
        if (!strcmp(name, tape_acts[i]))
            return 1;
    return 0;
}

/* f(z) on the tape for the activation's plugin, by name: the built-in standard.so set. */
static rs_tv act_on_tape(rs_tape *t, const rs_act *act, rs_tv z, rs_status *st)
{
    const char *name = act->desc->head.name;
    if (!strcmp(name, "identity"))
        return z;
    if (!strcmp(name, "sigmoid"))
        return rs_tape_sigmoid(t, z);
    if (!strcmp(name, "tanh"))
        return rs_tape_tanh(t, z);
    if (!strcmp(name, "relu"))
        return rs_tape_relu(t, z);
    if (!strcmp(name, "leaky_relu"))
        return rs_tape_leaky_relu(t, z, act->p[0]);
    if (!strcmp(name, "softplus"))
        return rs_tape_softplus(t, z);
    *st = RS_ERR_UNSUPPORTED;
    return rs_tape_fail(t, "activation '%s' has no tape form (identity, sigmoid, tanh, relu, "
                        "leaky_relu and softplus do); meta-train with one of those", name);
}

rs_status rs_tape_net_forward(rs_tape *t, const rs_net *net, const rs_tv *w, const rs_tv *b,
                              rs_tv x, rs_tv *a_out)
{
    rs_status st = RS_OK;
    a_out[0] = x;
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        rs_tv z = rs_tape_matmul(t, w[l - 1], 0, a_out[l - 1], 0);
        if (b && b[l - 1] != RS_TV_NONE)
            z = rs_tape_add(t, z, b[l - 1]); /* (n_l, 1) broadcast over the batch */
        a_out[l] = act_on_tape(t, ly->act, z, &st);
        uint32_t r, c;
        rs_tape_shape(t, a_out[l], &r, &c);
        if (a_out[l] != RS_TV_NONE && r != ly->n_out)
            rs_tape_fail(t, "net_forward: layer %u gives %u units, the network has %u", l, r,
                         ly->n_out);
    }
    if (st == RS_OK && rs_tape_error(t))
        st = RS_ERR_SHAPE;
    return st;
}

rs_tv rs_tape_loss(rs_tape *t, uint32_t kind, rs_tv pred, rs_tv y)
{
    if (kind == RS_LOSS_MSE)
        return rs_tape_mean(t, rs_tape_square(t, rs_tape_sub(t, pred, y)), -1);
    if (kind == RS_LOSS_BCE) {
        /* -mean(y log p + (1 - y) log(1 - p)), each log clamped at -100 as torch.nn.BCELoss */
        rs_tv one = rs_tape_fill(t, 1, 1, 1.0);
        rs_tv lp = rs_tape_clip(t, rs_tape_log(t, pred), -100, 0);
        rs_tv lq = rs_tape_clip(t, rs_tape_log(t, rs_tape_sub(t, one, pred)), -100, 0);
        rs_tv s = rs_tape_add(t, rs_tape_mul(t, y, lp),
                              rs_tape_mul(t, rs_tape_sub(t, one, y), lq));
        return rs_tape_scale(t, rs_tape_mean(t, s, -1), -1);
    }
    if (kind == RS_LOSS_SOFTMAX_CE) {
        /* the class of each column is argmax(y), as rs_loss: a constant one-hot mask */
        uint32_t r, c;
        rs_tape_shape(t, y, &r, &c);
        rs_tv mask = rs_tape_argmax_mask(t, y);
        rs_tv ls = rs_tape_log_softmax(t, pred);
        return rs_tape_scale(t, rs_tape_sum(t, rs_tape_mul(t, mask, ls), -1), -1.0 / c);
    }
    return rs_tape_fail(t, "loss: unknown loss kind %u", kind);
}
