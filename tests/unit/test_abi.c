/* test_abi.c: the ABI layout, pinned. Every member of every struct that crosses the plugin
 * boundary keeps its offset, and every enum value its number: a member inserted in the middle,
 * a reordering or a retyping fails the BUILD here (the _Static_asserts), long before a plugin
 * built against an older header misbehaves. Appending is the only way to grow (see
 * docs/PLUGINS.md, "Versioning policy"): add a PIN line for each appended member.
 *
 * Offsets are those of LP64 (x86-64, aarch64 Linux); other data models skip the pins. The
 * sizes of rs_plugin_head, rs_param_spec and rs_layer are pinned too: plugins embed the head at
 * the start of their descriptors and walk parameter tables and layer arrays with their own
 * sizeof, so those three can never grow within a major version. */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "testutil.h"

#define PIN(type, member, offset) \
    _Static_assert(offsetof(type, member) == (offset), #type "." #member " moved")
#define SIZE(type, size) _Static_assert(sizeof(type) == (size), #type " changed size")

#if UINTPTR_MAX == UINT64_MAX && UINT_MAX == 0xffffffffu
PIN(rs_host, struct_size, 0);
PIN(rs_host, abi_major, 4);
PIN(rs_host, abi_minor, 6);
PIN(rs_host, alloc, 8);
PIN(rs_host, free, 16);
PIN(rs_host, fail, 24);
PIN(rs_host, log, 32);
PIN(rs_host, status_str, 40);
PIN(rs_host, rng_u64, 48);
PIN(rs_host, rng_uniform, 56);
PIN(rs_host, rng_normal, 64);
PIN(rs_host, rng_fill_uniform, 72);
PIN(rs_host, rng_fill_normal, 80);
PIN(rs_host, param_real, 88);
PIN(rs_host, param_int, 96);
PIN(rs_host, param_bool, 104);
PIN(rs_host, param_str, 112);
PIN(rs_host, gemm, 120);
PIN(rs_host, axpy, 128);
PIN(rs_host, act_forward, 136);
PIN(rs_host, act_derivative, 144);
PIN(rs_host, act_name, 152);
PIN(rs_host, net_forward, 160);
PIN(rs_host, net_backward, 168);
PIN(rs_host, loss, 176);
PIN(rs_host, optim_create, 184);
PIN(rs_host, optim_step, 192);
PIN(rs_host, optim_destroy, 200);
PIN(rs_optim_config, kind, 0);
PIN(rs_optim_config, lr, 8);
PIN(rs_optim_config, momentum, 16);
PIN(rs_optim_config, beta1, 24);
PIN(rs_optim_config, beta2, 32);
PIN(rs_optim_config, eps, 40);
PIN(rs_optim_config, weight_decay, 48);
PIN(rs_plugin_head, struct_size, 0);
PIN(rs_plugin_head, abi_major, 4);
PIN(rs_plugin_head, abi_minor, 6);
PIN(rs_plugin_head, real_size, 8);
PIN(rs_plugin_head, kind, 10);
PIN(rs_plugin_head, name, 16);
PIN(rs_plugin_head, version, 24);
PIN(rs_plugin_head, summary, 32);
PIN(rs_plugin_head, citation, 40);
PIN(rs_plugin_head, params, 48);
PIN(rs_param_spec, name, 0);
PIN(rs_param_spec, type, 8);
PIN(rs_param_spec, def, 16);
PIN(rs_param_spec, lo, 24);
PIN(rs_param_spec, hi, 32);
PIN(rs_param_spec, def_str, 40);
PIN(rs_param_spec, choices, 48);
PIN(rs_param_spec, help, 56);
PIN(rs_step_stats, loss, 0);
PIN(rs_step_stats, has_loss, 8);
PIN(rs_step_stats, n_metrics, 12);
PIN(rs_step_stats, metrics, 16);
PIN(rs_task_info, struct_size, 0);
PIN(rs_task_info, n_in, 4);
PIN(rs_task_info, n_out, 8);
PIN(rs_task_info, n_full, 12);
PIN(rs_task_info, loss, 16);
PIN(rs_task_info, lo, 20);
PIN(rs_task_info, hi, 24);
PIN(rs_rule_desc, head, 0);
PIN(rs_rule_desc, metric_names, 56);
PIN(rs_rule_desc, create, 64);
PIN(rs_rule_desc, step, 72);
PIN(rs_rule_desc, destroy, 80);
PIN(rs_rule_desc, predict, 88);
PIN(rs_activation_desc, head, 0);
PIN(rs_activation_desc, forward, 56);
PIN(rs_activation_desc, derivative, 64);
PIN(rs_task_desc, head, 0);
PIN(rs_task_desc, create, 56);
PIN(rs_task_desc, batch, 64);
PIN(rs_task_desc, eval_set, 72);
PIN(rs_task_desc, solved, 80);
PIN(rs_task_desc, destroy, 88);
PIN(rs_layer, n_in, 0);
PIN(rs_layer, n_out, 4);
PIN(rs_layer, w, 8);
PIN(rs_layer, b, 16);
PIN(rs_layer, dw, 24);
PIN(rs_layer, db, 32);
PIN(rs_layer, act, 40);
PIN(rs_net, struct_size, 0);
PIN(rs_net, kind, 4);
PIN(rs_net, n_layers, 8);
PIN(rs_net, max_batch, 12);
PIN(rs_net, sizes, 16);
PIN(rs_net, layers, 24);
PIN(rs_net, params, 32);
PIN(rs_net, grads, 40);
PIN(rs_net, n_params, 48);
PIN(rs_net, z, 56);
PIN(rs_net, a, 64);
PIN(rs_net, delta, 72);
PIN(rs_net, n, 80);
PIN(rs_batch, n, 0);
PIN(rs_batch, n_in, 4);
PIN(rs_batch, n_out, 8);
PIN(rs_batch, loss, 12);
PIN(rs_batch, x, 16);
PIN(rs_batch, y, 24);
/* the autodiff tape and meta-training (issue 5): host functions, rule callbacks, their types */
PIN(rs_host, tape_create, 256);
PIN(rs_host, tape_destroy, 264);
PIN(rs_host, tape_reset, 272);
PIN(rs_host, tape_error, 280);
PIN(rs_host, tape_shape, 288);
PIN(rs_host, tape_value, 296);
PIN(rs_host, tape_grad, 304);
PIN(rs_host, tape_param, 312);
PIN(rs_host, tape_const, 320);
PIN(rs_host, tape_const_real, 328);
PIN(rs_host, tape_fill, 336);
PIN(rs_host, tape_matmul, 344);
PIN(rs_host, tape_add, 352);
PIN(rs_host, tape_sub, 360);
PIN(rs_host, tape_mul, 368);
PIN(rs_host, tape_scale, 376);
PIN(rs_host, tape_sigmoid, 384);
PIN(rs_host, tape_tanh, 392);
PIN(rs_host, tape_relu, 400);
PIN(rs_host, tape_exp, 408);
PIN(rs_host, tape_log, 416);
PIN(rs_host, tape_square, 424);
PIN(rs_host, tape_clip, 432);
PIN(rs_host, tape_sum, 440);
PIN(rs_host, tape_mean, 448);
PIN(rs_host, tape_broadcast, 456);
PIN(rs_host, tape_reshape, 464);
PIN(rs_host, tape_concat, 472);
PIN(rs_host, tape_slice, 480);
PIN(rs_host, tape_stop_gradient, 488);
PIN(rs_host, tape_lstm_cell, 496);
PIN(rs_host, tape_backward, 504);
PIN(rs_host, tape_net_forward, 512);
PIN(rs_host, tape_loss, 520);
PIN(rs_host, meta_load, 528);
PIN(rs_rule_desc, meta_shapes, 96);
PIN(rs_rule_desc, meta_init, 104);
PIN(rs_rule_desc, dstep, 112);
PIN(rs_rule_desc, local_update, 120);
PIN(rs_meta_shape, name, 0);
PIN(rs_meta_shape, rows, 32);
PIN(rs_meta_shape, cols, 36);
PIN(rs_dstep_io, struct_size, 0);
PIN(rs_dstep_io, tape, 8);
PIN(rs_dstep_io, net, 16);
PIN(rs_dstep_io, batch, 24);
PIN(rs_dstep_io, meta, 32);
PIN(rs_dstep_io, n_meta, 40);
PIN(rs_dstep_io, n_layers, 44);
PIN(rs_dstep_io, w, 48);
PIN(rs_dstep_io, b, 116);
PIN(rs_dstep_io, n_carry, 184);
PIN(rs_dstep_io, carry, 188);
PIN(rs_dstep_io, stats, 448);
/* shared task data (ABI 1.1): task callbacks and the host function */
PIN(rs_task_desc, load, 96);
PIN(rs_task_desc, unload, 104);
PIN(rs_task_desc, gather, 112);
PIN(rs_host, task_shared, 536);
PIN(rs_host, net_backward_feedback, 544); /* since 1.2 */
PIN(rs_relax_config, struct_size, 0);
PIN(rs_relax_config, energy, 4);
PIN(rs_relax_config, method, 8);
PIN(rs_relax_config, output, 12);
PIN(rs_relax_config, max_iters, 16);
PIN(rs_relax_config, step, 24);
PIN(rs_relax_config, tol, 32);
PIN(rs_relax_config, beta, 40);
PIN(rs_relax_config, feedback, 48);
PIN(rs_relax_config, variance, 56);
PIN(rs_relax_config, momentum, 64);         /* since 1.3 */
PIN(rs_relax_config, fixed_prediction, 72); /* since 1.3 */
SIZE(rs_meta_shape, 40);
SIZE(rs_plugin_head, 56);
SIZE(rs_param_spec, 64);
SIZE(rs_layer, 48);
#endif

/* append only, never renumber */
_Static_assert(RS_OK == 0 && RS_ERR_NOMEM == 1 && RS_ERR_PARAM == 2 && RS_ERR_SHAPE == 3
               && RS_ERR_NUMERIC == 4 && RS_ERR_IO == 5 && RS_ERR_UNSUPPORTED == 6
               && RS_ERR_INTERNAL == 7, "rs_status renumbered");
_Static_assert(RS_KIND_RULE == 1 && RS_KIND_ACTIVATION == 2 && RS_KIND_TASK == 3,
               "rs_kind renumbered");
_Static_assert(RS_PARAM_REAL == 1 && RS_PARAM_INT == 2 && RS_PARAM_BOOL == 3
               && RS_PARAM_CHOICE == 4 && RS_PARAM_STR == 5, "rs_param_type renumbered");
_Static_assert(RS_FEEDBACK_DIRECT == 1 && RS_FEEDBACK_TRANSPOSE == 2,
               "the flags of net_backward_feedback (ABI 1.2) renumbered");
_Static_assert(RS_PARAM_OPEN_LO == 0x100 && RS_PARAM_OPEN_HI == 0x200 && RS_PARAM_TYPE_MASK == 0xff,
               "the open-end flags of rs_param_type (ABI 1.2) renumbered");
_Static_assert(RS_LOSS_MSE == 0 && RS_LOSS_BCE == 1 && RS_LOSS_SOFTMAX_CE == 2,
               "rs_loss_kind renumbered");
_Static_assert(RS_NET_LAYERED == 1 && RS_NET_RECURRENT == 2, "rs_net_kind renumbered");
_Static_assert(RS_OPTIM_SGD == 0 && RS_OPTIM_ADAM == 1, "rs_optim_kind renumbered");
_Static_assert(RS_LOG_ERROR == 0 && RS_LOG_WARN == 1 && RS_LOG_INFO == 2 && RS_LOG_DEBUG == 3,
               "rs_log_level renumbered");
_Static_assert(RS_MAX_METRICS == 8, "RS_MAX_METRICS is part of rs_step_stats' layout");
_Static_assert(RS_TAPE_MAX_LAYERS == 17 && RS_TAPE_MAX_CARRY == 64,
               "RS_TAPE_MAX_LAYERS and RS_TAPE_MAX_CARRY are part of rs_dstep_io's layout");
_Static_assert(sizeof(rs_tv) == 4 && RS_TV_NONE == -1, "rs_tv changed");
_Static_assert(sizeof(rs_real) == 4, "rs_real changed: that is a major version");

/* The host's own table: it says what it is, and every slot is filled (a plugin may call every
 * function its header declares). */
START_TEST(test_host_table)
{
    const rs_host *h = rs_host_get();
    ck_assert_uint_eq(h->struct_size, sizeof(rs_host));
    ck_assert_uint_eq(h->abi_major, RS_ABI_MAJOR);
    ck_assert_uint_eq(h->abi_minor, RS_ABI_MINOR);
    size_t first = offsetof(rs_host, alloc);
    ck_assert_uint_eq((sizeof(rs_host) - first) % sizeof(void (*)(void)), 0);
    for (size_t off = first; off < sizeof(rs_host); off += sizeof(void (*)(void))) {
        void (*fn)(void);
        memcpy(&fn, (const char *)h + off, sizeof fn);
        ck_assert_msg(fn != NULL, "rs_host slot at offset %zu is NULL", off);
    }
}
END_TEST

/* The macro fills the handshake fields from the headers the plugin was built with. */
START_TEST(test_plugin_head_macro)
{
    static const rs_rule_desc d = { RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE) };
    ck_assert_uint_eq(d.head.struct_size, sizeof(rs_rule_desc));
    ck_assert_uint_eq(d.head.abi_major, RS_ABI_MAJOR);
    ck_assert_uint_eq(d.head.abi_minor, RS_ABI_MINOR);
    ck_assert_uint_eq(d.head.real_size, sizeof(rs_real));
    ck_assert_uint_eq(d.head.kind, RS_KIND_RULE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("abi");
    TCase *tc = tcase_create("layout");
    tcase_add_test(tc, test_host_table);
    tcase_add_test(tc, test_plugin_head_macro);
    suite_add_tcase(s, tc);
    return rs_test_run(s);
}
