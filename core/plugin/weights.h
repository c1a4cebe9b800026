/* weights.h: the weights files of meta-trained rules (versioned JSON, written by
 * `ruleset meta-train`, read by host->meta_load and `ruleset explain`).
 *
 *   {
 *     "format": "ruleset-weights", "version": 1,
 *     "rule": "lstm_synapse", "rule_version": "1.0.0",
 *     "params": { every parameter of the rule but "weights": its value },
 *     "tensors": [ { "name": "w_x", "rows": 40, "cols": 5, "values": [ row-major ] }, ... ],
 *     "meta_training": { "spec": {...}, "iterations": N, "final_meta_loss": x, ... }
 *   }
 *
 * Numbers are printed so that they read back bit for bit: the shortest of 15, 16, 17 significant
 * digits that strtod turns back into the same double (cJSON's own printer accepts 15 digits
 * when they come within an epsilon, which loses the last bits). */
#ifndef RS_WEIGHTS_H
#define RS_WEIGHTS_H

#include <ruleset/plugin.h>

struct cJSON;

#define RS_WEIGHTS_FORMAT "ruleset-weights"
#define RS_WEIGHTS_VERSION 1

/* Find a weights file: as given (absolute, or relative to the working directory), else its
 * name (a leading "rules/" dropped) in ruleset's rules folder (paths.h: $RULESET_RULES_DIR,
 * the source tree's, the installed one). 0 and the path in out when found; otherwise -1 and
 * the places looked at in out. */
int rs_weights_resolve(const char *path, char *out, size_t size);

/* Read, parse and check the head (format, version, rule) of a weights file. NULL with one line
 * in err ("FILE: what is wrong; what to do"). resolved (may be NULL) gets the path used. */
struct cJSON *rs_weights_read(const char *path, char *resolved, size_t resolved_size, char *err,
                              size_t err_size);

/* The parameters a weights file was meta-trained with (its "params" object) as values of the
 * rule's table `spec`: the one reading of them, for host->meta_load (compare) and explain
 * alike. NULL with one line in err when "params" is not an object or holds a parameter the
 * rule does not have or a value it refuses. */
rs_params *rs_weights_file_params(const struct cJSON *root, const char *where,
                                  const rs_param_spec *spec, const char *plugin, char *err,
                                  size_t err_size);

/* The host->meta_load behind the host table (see host.h). */
rs_status rs_weights_load(rs_ctx *ctx, const char *path, const rs_params *params,
                          const rs_meta_shape *shapes, uint32_t n, double *values);

/* The rule's parameters as a JSON object (all but "weights"). */
struct cJSON *rs_weights_params_json(const rs_params *params);

/* Write a weights file atomically (a temporary file renamed over path). meta (may be NULL) is
 * the "meta_training" object and is consumed. 0 ok, else one line in err. */
int rs_weights_write(const char *path, const rs_plugin_head *rule, const rs_params *params,
                     const rs_meta_shape *shapes, uint32_t n, const double *values,
                     struct cJSON *meta, char *err, size_t err_size);

/* A JSON number that reads back as exactly v (null for NaN and infinities); an array of n. */
struct cJSON *rs_json_exact(double v);
struct cJSON *rs_json_exact_array(const double *v, size_t n);

/* Write any JSON atomically (checkpoints too). */
int rs_json_write_atomic(const char *path, const struct cJSON *root, char *err, size_t err_size);

#endif
