// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvsnprintf(): the monitor's only formatter (see vmm/lib/printf.h). Output goes
 * through a small cursor that counts every byte the full result would have
 * and stores only what fits, so truncation is C99's.
 */
#include "vmm/lib/printf.h"

struct out {
	char *buf;
	size_t size, len;
};

struct spec {
	bool left, zero, plus, space, alt;
	int width, prec; /* prec < 0: none given */
	int lenmod;	 /* 0, 'h', 'l' (long), 'L' (long long), 'z' */
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

static void out_str(struct out *o, const struct spec *sp, const char *s)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while (s[n] && (sp->prec < 0 || n < sp->prec))
		n++;
	if (!sp->left)
		out_pad(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		out_char(o, s[i]);
	if (sp->left)
		out_pad(o, ' ', sp->width - n);
}

/* Integer conversion: digits into a local buffer, then sign/prefix/padding. */
static void out_num(struct out *o, const struct spec *sp, unsigned long long v, unsigned base,
		    bool upper, const char *prefix)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = (int)__builtin_strlen(prefix), zeros, pad;

	while (v) {
		/* cppcheck-suppress zerodivcond ; base is 8, 10 or 16, from out_conv() */
		tmp[n++] = dig[v % base];
		v /= base;
	}
	if (n == 0 && sp->prec != 0)
		tmp[n++] = '0';
	zeros = sp->prec > n ? sp->prec - n : 0;
	pad = sp->width - n - zeros - plen;
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += pad > 0 ? pad : 0;
		pad = 0;
	}
	if (!sp->left)
		out_pad(o, ' ', pad);
	for (int i = 0; i < plen; i++)
		out_char(o, prefix[i]);
	out_pad(o, '0', zeros);
	while (n)
		out_char(o, tmp[--n]);
	if (sp->left)
		out_pad(o, ' ', pad);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	if (*f == 'h') {
		sp->lenmod = 'h';
		f += f[1] == 'h' ? 2 : 1;
	} else if (*f == 'l') {
		sp->lenmod = f[1] == 'l' ? 'L' : 'l';
		f += f[1] == 'l' ? 2 : 1;
	} else if (*f == 'z') {
		sp->lenmod = 'z';
		f++;
	}
	return f;
}

static unsigned long long arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->lenmod) {
	case 'l': return va_arg(*ap, unsigned long);
	case 'L': return va_arg(*ap, unsigned long long);
	case 'z': return va_arg(*ap, size_t);
	default: return va_arg(*ap, unsigned int);
	}
}

static long long arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->lenmod) {
	case 'l': return va_arg(*ap, long);
	case 'L': return va_arg(*ap, long long);
	case 'z': return (long long)va_arg(*ap, size_t);
	default: return va_arg(*ap, int);
	}
}

static void out_signed(struct out *o, const struct spec *sp, long long v)
{
	unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	const char *prefix = v < 0 ? "-" : sp->plus ? "+" : sp->space ? " " : "";

	out_num(o, sp, mag, 10, false, prefix);
}

static void out_conv(struct out *o, struct spec *sp, char c, va_list *ap)
{
	unsigned long long u;
	char ch[2] = { 0, 0 };

	switch (c) {
	case 'd':
	case 'i': out_signed(o, sp, arg_signed(sp, ap)); break;
	case 'u': out_num(o, sp, arg_unsigned(sp, ap), 10, false, ""); break;
	case 'o':
		u = arg_unsigned(sp, ap);
		out_num(o, sp, u, 8, false, sp->alt && u ? "0" : "");
		break;
	case 'x':
	case 'X':
		u = arg_unsigned(sp, ap);
		out_num(o, sp, u, 16, c == 'X', sp->alt && u ? (c == 'X' ? "0X" : "0x") : "");
		break;
	case 'p':
		u = (uintptr_t)va_arg(*ap, void *);
		out_num(o, sp, u, 16, false, "0x");
		break;
	case 's': out_str(o, sp, va_arg(*ap, const char *)); break;
	case 'c':
		ch[0] = (char)va_arg(*ap, int);
		sp->prec = 1;
		if (ch[0] == 0) { /* a NUL character is still one output byte */
			out_pad(o, ' ', sp->left ? 0 : sp->width - 1);
			out_char(o, 0);
			out_pad(o, ' ', sp->left ? sp->width - 1 : 0);
		} else {
			out_str(o, sp, ch);
		}
		break;
	case '%': out_char(o, '%'); break;
	default: /* unknown conversion: show it rather than guess */
		out_char(o, '%');
		if (c)
			out_char(o, c);
		break;
	}
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &aq);
		out_conv(&o, &sp, *fmt, &aq);
		if (*fmt)
			fmt++;
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
