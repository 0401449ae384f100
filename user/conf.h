/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The configuration model: the daemon settings and the desired objects
 * (VIPs and their backends). The daemon holds one; a change is applied to a
 * copy, and the copy replaces the original only once it is fully valid.
 * This module never prints and never touches BPF maps.
 */
#ifndef XLB_CONF_H
#define XLB_CONF_H

#include <stdio.h>
#include "cmd.h"

struct conf_backend {
	struct ip_addr addr;
	__u32 weight;		/* configured, 0..65535 */
	bool draining;
	__u64 drain_timeout_ms;	/* 0: drain until undrained or deleted */
};

struct conf_vip {
	__u8 proto;
	__u8 mode;		/* XLB_MODE_* */
	__u16 port;		/* host order */
	__u32 flags;		/* XLB_VIP_F_* */
	struct ip_addr addr;
	struct conf_backend *be;
	size_t n_be, cap_be;
	struct health_check check;	/* kind HEALTH_NONE: no check */
	bool fail_closed;	/* every backend down: empty table */
	struct health_agent agent;	/* port 0: no agent */
};

/* VRRP instances (a VRID each, both families under one VRID). */
#define CONF_VRRP_MAX	8

struct conf {
	char iface[IF_NAMESIZE];
	bool generic;
	__u32 hash_seed;
	struct ip_addr encap_src4;	/* family 0: unset */
	struct ip_addr encap_src6;
	__u32 conntrack_size;
	__u32 table_size;
	__u64 udp_timeout_ms;
	char stats_path[PATH_MAX];	/* "": no stats file */
	__u64 stats_interval_ms;
	__u32 flood_rate;	/* new flows a second per CPU; 0: no guard */
	__u16 gue_port;		/* host order */
	struct conf_vip *vips;
	size_t n_vips, cap_vips;
	struct cmd_vrrp vrrp[CONF_VRRP_MAX];	/* in file order */
	size_t n_vrrp;
};

/* Defaults for every daemon setting, no objects. */
void conf_init(struct conf *c);
void conf_free(struct conf *c);
/* Deep copy into dst (initialised by this call). 0 or -ENOMEM. */
int conf_copy(struct conf *dst, const struct conf *src);

/*
 * Apply one parsed statement to the model. Validates against the model
 * (unknown VIP, duplicate backend, no encap-source for the backend's
 * family, limits...); on error the model is unchanged and a message is
 * written: -ENOENT (no such VIP/backend), -EEXIST (duplicate), -ENOSPC
 * (XLB_MAX_VIPS, table-size or XLB_MAX_BACKENDS reached), -EINVAL, -ENOMEM.
 * Queries (status, save...) are not applied here: -EOPNOTSUPP.
 * Drain on a draining backend only changes its timeout; undrain of one
 * that is not draining is -EINVAL; vip del removes the VIP's backends.
 * health replaces the VIP's check (none removes it), agent sets its load
 * agent; agent del on a VIP without one is -ENOENT.
 */
int conf_apply(struct conf *c, const struct cmd *cmd, char *err,
	       size_t errlen);

/* Parse a whole file into c (conf_init'ed by the call). Errors read
 * "FILE:LINE: message" ("FILE: message" for a missing interface or an
 * unreadable file); c is freed on error. Each daemon setting may be given
 * once (encap-source once per family); encap sources are checked against
 * the backends at the end, the error naming the backend's line. */
int conf_parse_file(const char *path, struct conf *c, char *err,
		    size_t errlen);
/* The same, and *hash the conf_hash_text() of the bytes it parsed (the
 * file read once: a file replaced meanwhile cannot give the model of one
 * version and the hash of another). */
int conf_load_file(const char *path, struct conf *c, __u64 *hash,
		   char *err, size_t errlen);
/* 64-bit FNV-1a of a config text: what the state file remembers of the
 * file its model came from. */
__u64 conf_hash_text(const char *text, size_t len);
/* Same for text in memory; name stands for FILE in messages. */
int conf_parse_text(const char *name, const char *text, struct conf *c,
		    char *err, size_t errlen);

/* Write the whole model in the config grammar; conf_parse of the output
 * gives an equal model. objects_only omits the daemon statements. */
int conf_write(const struct conf *c, FILE *f, bool objects_only);

/*
 * The addresses instance i holds: its address list, or for the one
 * instance without a list every VIP address that no other instance lists
 * (each once, in VIP order). Fills at most max, returns the count.
 */
size_t conf_vrrp_addrs(const struct conf *c, size_t i, struct ip_addr *out,
		       size_t max);
struct cmd_vrrp *conf_vrrp_find(const struct conf *c, __u8 vrid);

struct conf_vip *conf_vip_find(const struct conf *c, __u8 proto,
			       const struct ip_addr *addr, __u16 port);
struct conf_backend *conf_backend_find(const struct conf_vip *v,
				       const struct ip_addr *addr);
/* Equal models (daemon settings and objects, order-insensitive). */
bool conf_equal(const struct conf *a, const struct conf *b);

#endif /* XLB_CONF_H */
