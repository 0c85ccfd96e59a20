/* Parsing and printing of addresses, masks and MACs for the network
 * layer and the ifconfig/route helpers. */
#include "vjail.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int vj_nl_prefix_parse(const char *s, int family, struct vj_nl_prefix *p, vj_error_t *err)
{
    memset(p, 0, sizeof *p);
    char buf[128];
    if (!s || strlen(s) >= sizeof buf)
        return vj_error_make(err, 0, "%s: bad address", s ? s : "(null)");
    strcpy(buf, s);
    char *slash = strchr(buf, '/');
    long len = -1;
    if (slash) {
        *slash = '\0';
        char *end;
        errno = 0;
        len = strtol(slash + 1, &end, 10);
        if (errno || end == slash + 1 || *end || len < 0)
            return vj_error_make(err, 0, "%s: bad prefix length", s);
    }
    char *pct = strchr(buf, '%'); /* fe80::1%eth0: the scope is the link */
    if (pct)
        *pct = '\0';
    if ((family == AF_UNSPEC || family == AF_INET) && inet_pton(AF_INET, buf, p->addr) == 1)
        p->family = AF_INET;
    else if ((family == AF_UNSPEC || family == AF_INET6) &&
             inet_pton(AF_INET6, buf, p->addr) == 1)
        p->family = AF_INET6;
    else
        return vj_error_make(err, 0, "%s: bad %saddress", s,
                             family == AF_INET ? "IPv4 " : family == AF_INET6 ? "IPv6 " : "");
    int max = p->family == AF_INET ? 32 : 128;
    if (len > max)
        return vj_error_make(err, 0, "%s: bad prefix length", s);
    p->len = (unsigned char)(len < 0 ? max : len);
    return 0;
}

int vj_nl_netmask_len(const char *mask)
{
    uint32_t m;
    if (strncasecmp(mask, "0x", 2) == 0) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(mask + 2, &end, 16);
        if (errno || end == mask + 2 || *end || v > 0xffffffffUL)
            return -1;
        m = (uint32_t)v;
    } else {
        struct in_addr a;
        if (inet_pton(AF_INET, mask, &a) != 1)
            return -1;
        m = ntohl(a.s_addr);
    }
    int len = 0;
    while (len < 32 && (m & (UINT32_C(1) << (31 - len))))
        len++;
    /* contiguous: no bit set after the first zero */
    if (len < 32 && (m & (UINT32_MAX >> len)))
        return -1;
    return len;
}

int vj_nl_mac_parse(const char *s, unsigned char mac[6])
{
    for (int i = 0; i < 6; i++) {
        if (!isxdigit((unsigned char)s[0]))
            return -1;
        unsigned v = 0;
        int n = 0;
        while (n < 2 && isxdigit((unsigned char)*s)) {
            v = v * 16 + (unsigned)(isdigit((unsigned char)*s) ? *s - '0'
                                                              : tolower((unsigned char)*s) - 'a' + 10);
            s++;
            n++;
        }
        mac[i] = (unsigned char)v;
        if (i < 5) {
            if (*s != ':' && *s != '-' && *s != '.')
                return -1;
            s++;
        }
    }
    return *s ? -1 : 0;
}

const char *vj_nl_ntop(int family, const void *addr, char buf[46])
{
    if (!inet_ntop(family, addr, buf, 46))
        strcpy(buf, "?");
    return buf;
}
