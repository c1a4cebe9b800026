/* backprop.c: gradient descent with gradients from backpropagation (Rumelhart, Hinton &
 * Williams 1986, Nature 323:533).
 *
 *   delta_L = dLoss/da_L * f_L'(z_L),  delta_l = (W_{l+1}^T delta_{l+1}) * f_l'(z_l)
 *   dLoss/dW_l = delta_l a_{l-1}^T,    dLoss/db_l = sum over the batch of delta_l
 *
 * then one optimizer step: SGD (with heavy-ball momentum) or Adam, as torch.optim computes
 * them. Losses are averaged as PyTorch averages them: MSE over units and examples (no 1/2),
 * BCE over units and examples, softmax cross-entropy over examples. The forward and backward
 * passes are the host's, so this file is only the recipe; on a recurrent network the host
 * backpropagates through the R rounds and the adjacency's parameterisation (docs/RULES.md),
 * and grads is dLoss/dP of the raw matrix. */
#include <ruleset/plugin.h>
#include <ruleset/rule_util.h>

typedef struct bp_state {
    rs_rule_base base;  /* the host and the optimizer */
    uint32_t loss;      /* rs_loss_kind */
    rs_real *d_out;     /* (n_L, max_batch) dLoss/da_L */
} bp_state;

static const rs_param_spec bp_params[] = {
    { .name = "lr", .type = RS_PARAM_REAL | RS_PARAM_OPEN_LO, .def = 0.1, .lo = 0, .hi = 100,
      .help = "learning rate" },
    { .name = "loss", .type = RS_PARAM_CHOICE, .def_str = "task", .choices = "task|mse|bce|ce",
      .help = "training loss: the task's own, mean squared error, binary or softmax cross-entropy" },
    { .name = "optimizer", .type = RS_PARAM_CHOICE, .def_str = "sgd", .choices = "sgd|adam",
      .help = "torch.optim.SGD or torch.optim.Adam" },
    { .name = "momentum", .type = RS_PARAM_REAL, .def = 0, .lo = 0, .hi = 1,
      .help = "SGD heavy-ball momentum (0 = plain SGD)" },
    { .name = "beta1", .type = RS_PARAM_REAL, .def = 0.9, .lo = 0, .hi = 1,
      .help = "Adam first-moment decay" },
    { .name = "beta2", .type = RS_PARAM_REAL, .def = 0.999, .lo = 0, .hi = 1,
      .help = "Adam second-moment decay" },
    { .name = "eps", .type = RS_PARAM_REAL, .def = 1e-8, .lo = 0, .hi = 1,
      .help = "Adam denominator guard" },
    { .name = "weight_decay", .type = RS_PARAM_REAL, .def = 0, .lo = 0, .hi = 10,
      .help = "L2 penalty added to the gradient" },
    { 0 }
};

static rs_status bp_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           const rs_net *net, const rs_task_info *task, void **state_out)
{
    *state_out = NULL;
    /* a recurrent net backpropagates through its rounds inside host->net_backward */
    if (net->kind != RS_NET_LAYERED && net->kind != RS_NET_RECURRENT)
        return host->fail(ctx, RS_ERR_UNSUPPORTED, "backprop runs on layered and recurrent "
                                                   "networks only");
    const char *loss = host->param_str(p, "loss");
    bp_state t = {
        .base.host = host,
        .loss = loss[0] == 't' ? task->loss : loss[0] == 'm' ? RS_LOSS_MSE
              : loss[0] == 'b' ? RS_LOSS_BCE : RS_LOSS_SOFTMAX_CE,
    };
    rs_block b;
    rs_block_init(&b, sizeof t);
    rs_block_reals(&b, &t.d_out, (size_t)net->sizes[net->n_layers] * net->max_batch);
    bp_state *s = rs_block_alloc(host, ctx, &b, &t, sizeof t, "backprop");
    if (!s)
        return RS_ERR_NOMEM;
    rs_optim_config cfg = {
        .kind = host->param_str(p, "optimizer")[0] == 'a' ? RS_OPTIM_ADAM : RS_OPTIM_SGD,
        .lr = host->param_real(p, "lr"),
        .momentum = host->param_real(p, "momentum"),
        .beta1 = host->param_real(p, "beta1"),
        .beta2 = host->param_real(p, "beta2"),
        .eps = host->param_real(p, "eps"),
        .weight_decay = host->param_real(p, "weight_decay"),
    };
    if (!(s->base.opt = host->optim_create(ctx, &cfg, net->n_params))) {
        rs_rule_destroy(s, ctx);
        return host->fail(ctx, RS_ERR_NOMEM, "no memory for backprop's optimizer");
    }
    *state_out = s;
    return RS_OK;
}

static rs_status bp_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                         rs_step_stats *stats)
{
    bp_state *s = state;
    const rs_host *h = s->base.host;
    rs_status st = h->net_forward(ctx, net, batch->x, batch->n);
    if (st != RS_OK)
        return st;
    stats->loss = h->loss(s->loss, net->a[net->n_layers], batch->y, batch->n_out, batch->n,
                          s->d_out);
    stats->has_loss = 1;
    if ((st = h->net_backward(ctx, net, s->d_out)) != RS_OK)
        return st;
    h->optim_step(s->base.opt, net->params, net->grads, net->n_params);
    return RS_OK;
}

static const rs_rule_desc backprop = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "backprop",
    .head.version = "1.0.0",
    .head.summary = "gradient descent on backpropagated gradients (SGD, momentum, Adam)",
    .head.citation = "Rumelhart, Hinton & Williams (1986) Nature 323:533-536",
    .head.params = bp_params,
    .create = bp_create,
    .step = bp_step,
    .destroy = rs_rule_destroy,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &backprop.head : NULL;
}
