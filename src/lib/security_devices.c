/*
 * Device access of a jail, enforced by the kernel's device controller: a
 * BPF_CGROUP_DEVICE program on the jail's cgroup (v2) lets its processes
 * open only the devices devfs provides (null, zero, full, random,
 * urandom, tty, ptmx and terminals; fuse with allow.mount.fusefs),
 * whatever nodes they can see.  Device nodes elsewhere in the jail's tree
 * (a jail with path=/ sees the host's /dev, a copied root may carry
 * nodes) are then useless: opening the host's disk fails with EPERM even
 * for jailed root.
 */
#include "vjail.h"

#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>

/* Minimal instruction builders (no libbpf). */
#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define AND32_IMM(d, i) INSN(BPF_ALU | BPF_AND | BPF_K, d, 0, 0, i)
#define RSH32_IMM(d, i) INSN(BPF_ALU | BPF_RSH | BPF_K, d, 0, 0, i)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define JLT_IMM(d, i, o) INSN(BPF_JMP | BPF_JLT | BPF_K, d, 0, o, i)
#define JGT_IMM(d, i, o) INSN(BPF_JMP | BPF_JGT | BPF_K, d, 0, o, i)
#define JA(o) INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/*
 * ctx: struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type);
 * u32 major; u32 minor; }.  Returns 1 to allow.  Character devices only,
 * never mknod (the jail cannot make nodes anyway):
 *   1:3 null, 1:5 zero, 1:7 full, 1:8 random, 1:9 urandom,
 *   5:0 tty, 5:2 ptmx, 136-143:* pseudo-terminal slaves,
 *   10:229 fuse with allow.mount.fusefs (else the test after FUSE is a
 *   jump to the next instruction: the verifier refuses unreachable code).
 * A jump skips `off` instructions after itself: target = index + 1 + off.
 */
#define FUSE 20
#define ALLOW 24
#define DENY 26
#define TO(from, to) ((to) - (from) - 1)
static const struct bpf_insn dev_prog[] = {
    /* 0 */ LDX_W(BPF_REG_2, BPF_REG_1, 0), /* access_type */
    /* 1 */ MOV64_REG(BPF_REG_3, BPF_REG_2),
    /* 2 */ AND32_IMM(BPF_REG_3, 0xffff), /* type */
    /* 3 */ JNE_IMM(BPF_REG_3, BPF_DEVCG_DEV_CHAR, TO(3, DENY)),
    /* 4 */ RSH32_IMM(BPF_REG_2, 16), /* access */
    /* 5 */ AND32_IMM(BPF_REG_2, BPF_DEVCG_ACC_MKNOD),
    /* 6 */ JNE_IMM(BPF_REG_2, 0, TO(6, DENY)),
    /* 7 */ LDX_W(BPF_REG_4, BPF_REG_1, 4), /* major */
    /* 8 */ LDX_W(BPF_REG_5, BPF_REG_1, 8), /* minor */
    /* 9 */ JNE_IMM(BPF_REG_4, 1, TO(9, 16)),
    /* 10 */ JEQ_IMM(BPF_REG_5, 3, TO(10, ALLOW)),
    /* 11 */ JEQ_IMM(BPF_REG_5, 5, TO(11, ALLOW)),
    /* 12 */ JEQ_IMM(BPF_REG_5, 7, TO(12, ALLOW)),
    /* 13 */ JEQ_IMM(BPF_REG_5, 8, TO(13, ALLOW)),
    /* 14 */ JEQ_IMM(BPF_REG_5, 9, TO(14, ALLOW)),
    /* 15 */ JA(TO(15, DENY)),
    /* 16 */ JNE_IMM(BPF_REG_4, 5, TO(16, FUSE)),
    /* 17 */ JEQ_IMM(BPF_REG_5, 0, TO(17, ALLOW)),
    /* 18 */ JEQ_IMM(BPF_REG_5, 2, TO(18, ALLOW)),
    /* 19 */ JA(TO(19, DENY)),
    /* 20 FUSE */ JNE_IMM(BPF_REG_4, 10, TO(20, 22)),
    /* 21 */ JEQ_IMM(BPF_REG_5, 229, TO(21, ALLOW)),
    /* 22 */ JLT_IMM(BPF_REG_4, 136, TO(22, DENY)),
    /* 23 */ JGT_IMM(BPF_REG_4, 143, TO(23, DENY)),
    /* 24 ALLOW */ MOV64_IMM(BPF_REG_0, 1),
    /* 25 */ EXIT(),
    /* 26 DENY */ MOV64_IMM(BPF_REG_0, 0),
    /* 27 */ EXIT(),
};

int vj_policy_devices_attach(const struct vj_policy *p, int cgroup_fd, vj_error_t *err)
{
    char log[4096] = "";
    union bpf_attr load;
    memset(&load, 0, sizeof load);
    struct bpf_insn prog_insns[sizeof dev_prog / sizeof *dev_prog];
    memcpy(prog_insns, dev_prog, sizeof dev_prog);
    if (!(p->mount && (p->mount_fs & VJ_MNT_FUSEFS)))
        prog_insns[FUSE + 1] = JA(0);
    load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    load.insns = (uint64_t)(uintptr_t)prog_insns;
    load.insn_cnt = sizeof dev_prog / sizeof *dev_prog;
    load.license = (uint64_t)(uintptr_t) "GPL";
    /* Without a log first: the verifier writes one line per instruction
     * into it, which costs more than the verification; asked again with
     * the log only to say why it failed. */
    cleanup_close int prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
    if (prog < 0) {
        int e = errno;
        load.log_buf = (uint64_t)(uintptr_t)log;
        load.log_size = sizeof log;
        load.log_level = 1;
        cleanup_close int again = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
        if (again >= 0)
            log[0] = 0; /* (it worked the second time: no reason to give) */
        return vj_error_make(err, e, "%s: device policy: loading the BPF program%s%s",
                             p->jail, log[0] ? ": " : "", log);
    }
    union bpf_attr att;
    memset(&att, 0, sizeof att);
    att.target_fd = (uint32_t)cgroup_fd;
    att.attach_bpf_fd = (uint32_t)prog;
    att.attach_type = BPF_CGROUP_DEVICE;
    att.attach_flags = BPF_F_ALLOW_MULTI;
    if (syscall(SYS_bpf, BPF_PROG_ATTACH, &att, sizeof att) < 0)
        return vj_error_make(err, errno, "%s: device policy: attaching to the cgroup", p->jail);
    return 0;
}
