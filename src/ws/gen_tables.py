#!/usr/bin/env python3
"""Generates the ws layer's tables from the GSMA WSDL/XSD set in data/wsdl/.

  python3 src/ws/gen_tables.py            # rewrites src/ws/functions_gen.inc and xsd_model_gen.c
  python3 src/ws/gen_tables.py --markdown # prints the function table for docs/ws.md

Two outputs, both committed:
- functions_gen.inc: one row per ES function (interface, name, kind, elements, roles) and every
  WS-Addressing Action URI the WSDLs give for it, so the C table follows the WSDL exactly.
  Roles are not in the WSDL: they come from the FUNCTIONS list below (SGP.02 section 3/5 roles
  as summarised in /work/shared/spec/sgp02-facts.md section 1.2).
- xsd_model_gen.c: a flattened model of the message schema (messages.xsd plus XML-DSig): for
  every element type its children in schema order, whether each may repeat (maxOccurs > 1 on
  the element or an enclosing group), its simple kind (hexBinary, base64Binary, ...) and its
  attributes. The JSON mirror and the typed accessors use it; libxml2 still validates.

Python 3 standard library only. The output is deterministic (sorted where order is free).
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
WSDL_DIR = os.path.join(ROOT, 'data', 'wsdl')
XSD_DIR = os.path.join(WSDL_DIR, 'xsd')

XS = 'http://www.w3.org/2001/XMLSchema'
WSDL = 'http://schemas.xmlsoap.org/wsdl/'
WSA = 'http://www.w3.org/2005/08/addressing'
WSAM = 'http://www.w3.org/2007/05/addressing/metadata'
GSMA = 'http://namespaces.gsma.org/esim-messaging/3'
DS = 'http://www.w3.org/2000/09/xmldsig#'
NS_ID = {GSMA: 'M2M_WS_NS_GSMA', DS: 'M2M_WS_NS_DS'}

# (interface, function, kind, provider roles, caller roles). kind: 'req' has a Request and a
# Response element, 'ntf' is a one-way notification element named <IF>-<function>.
# Roles: SGP.02 (facts 1.2): ES1 EUM->SM-SR; ES2 MNO->SM-DP, notifications SM-DP->MNO;
# ES3 SM-DP->SM-SR, notifications SM-SR->SM-DP; ES4 MNO or M2M SP (with a PLMA) -> SM-SR,
# notifications SM-SR->MNO/M2M SP; ES7 SM-SR<->SM-SR. POL2 belongs to the MNO only, so
# ES4-UpdatePolicyRules is MNO-only.
ES4_CALLERS = 'MNO|M2MSP'
FUNCTIONS = [
    ('ES1', 'RegisterEIS', 'req', 'SMSR', 'EUM'),
    ('ES2', 'GetEIS', 'req', 'SMDP', 'MNO'),
    ('ES2', 'DownloadProfile', 'req', 'SMDP', 'MNO'),
    ('ES2', 'UpdatePolicyRules', 'req', 'SMDP', 'MNO'),
    ('ES2', 'UpdateSubscriptionAddress', 'req', 'SMDP', 'MNO'),
    ('ES2', 'EnableProfile', 'req', 'SMDP', 'MNO'),
    ('ES2', 'DisableProfile', 'req', 'SMDP', 'MNO'),
    ('ES2', 'DeleteProfile', 'req', 'SMDP', 'MNO'),
    ('ES2', 'AuditEIS', 'req', 'SMDP', 'MNO'),
    ('ES2', 'SetFallBackAttribute', 'req', 'SMDP', 'MNO'),
    ('ES2', 'SetEmergencyProfileAttribute', 'req', 'SMDP', 'MNO'),
    ('ES2', 'HandleProfileEnabledNotification', 'ntf', 'MNO', 'SMDP'),
    ('ES2', 'HandleProfileDisabledNotification', 'ntf', 'MNO', 'SMDP'),
    ('ES2', 'HandleProfileDeletedNotification', 'ntf', 'MNO', 'SMDP'),
    ('ES2', 'HandleSMSRChangeNotification', 'ntf', 'MNO', 'SMDP'),
    ('ES3', 'GetEIS', 'req', 'SMSR', 'SMDP'),
    ('ES3', 'AuditEIS', 'req', 'SMSR', 'SMDP'),
    ('ES3', 'CreateISDP', 'req', 'SMSR', 'SMDP'),
    ('ES3', 'SendData', 'req', 'SMSR', 'SMDP'),
    ('ES3', 'ProfileDownloadCompleted', 'req', 'SMSR', 'SMDP'),
    ('ES3', 'UpdatePolicyRules', 'req', 'SMSR', 'SMDP'),
    ('ES3', 'UpdateSubscriptionAddress', 'req', 'SMSR', 'SMDP'),
    ('ES3', 'EnableProfile', 'req', 'SMSR', 'SMDP'),
    ('ES3', 'DisableProfile', 'req', 'SMSR', 'SMDP'),
    ('ES3', 'DeleteISDP', 'req', 'SMSR', 'SMDP'),
    ('ES3', 'UpdateConnectivityParameters', 'req', 'SMSR', 'SMDP'),
    ('ES3', 'SetFallBackAttribute', 'req', 'SMSR', 'SMDP'),
    ('ES3', 'SetEmergencyProfileAttribute', 'req', 'SMSR', 'SMDP'),
    ('ES3', 'HandleProfileEnabledNotification', 'ntf', 'SMDP', 'SMSR'),
    ('ES3', 'HandleProfileDisabledNotification', 'ntf', 'SMDP', 'SMSR'),
    ('ES3', 'HandleProfileDeletedNotification', 'ntf', 'SMDP', 'SMSR'),
    ('ES3', 'HandleSMSRChangeNotification', 'ntf', 'SMDP', 'SMSR'),
    ('ES4', 'GetEIS', 'req', 'SMSR', ES4_CALLERS),
    ('ES4', 'AuditEIS', 'req', 'SMSR', ES4_CALLERS),
    ('ES4', 'UpdatePolicyRules', 'req', 'SMSR', 'MNO'),
    ('ES4', 'UpdateSubscriptionAddress', 'req', 'SMSR', ES4_CALLERS),
    ('ES4', 'EnableProfile', 'req', 'SMSR', ES4_CALLERS),
    ('ES4', 'DisableProfile', 'req', 'SMSR', ES4_CALLERS),
    ('ES4', 'DeleteProfile', 'req', 'SMSR', ES4_CALLERS),
    ('ES4', 'PrepareSMSRChange', 'req', 'SMSR', ES4_CALLERS),
    ('ES4', 'SMSRChange', 'req', 'SMSR', ES4_CALLERS),
    ('ES4', 'SetFallBackAttribute', 'req', 'SMSR', ES4_CALLERS),
    ('ES4', 'SetEmergencyProfileAttribute', 'req', 'SMSR', ES4_CALLERS),
    # v4 ES4A, served on ES4 (docs/ws-v4.md): the MNO manages its own PLMAs and ONCs.
    ('ES4', 'SetPLMA', 'req', 'SMSR', 'MNO'),
    ('ES4', 'GetPLMA', 'req', 'SMSR', 'MNO'),
    ('ES4', 'SetONC', 'req', 'SMSR', 'MNO'),
    ('ES4', 'GetONC', 'req', 'SMSR', 'MNO'),
    ('ES4', 'HandleProfileEnabledNotification', 'ntf', 'MNO|M2MSP', 'SMSR'),
    ('ES4', 'HandleProfileDisabledNotification', 'ntf', 'MNO|M2MSP', 'SMSR'),
    ('ES4', 'HandleProfileDeletedNotification', 'ntf', 'MNO|M2MSP', 'SMSR'),
    ('ES4', 'HandleSMSRChangeNotification', 'ntf', 'MNO|M2MSP', 'SMSR'),
    ('ES7', 'HandoverEUICC', 'req', 'SMSR', 'SMSR'),
    ('ES7', 'AuthenticateSMSR', 'req', 'SMSR', 'SMSR'),
    ('ES7', 'CreateAdditionalKeySet', 'req', 'SMSR', 'SMSR'),
    ('ES7', 'HandleSMSRChangeNotification', 'ntf', 'SMSR', 'SMSR'),
]

# Which WSDL describes the function provider's service, in order of preference. Its input
# Action is the one we send; the others are accepted too.
PROVIDER_WSDL = {
    ('ES1', 'req'): ['ES1_SMSR'],
    ('ES2', 'req'): ['ES2_SMDP', 'ES2_MNO'],
    ('ES3', 'req'): ['ES3_SMSR'],
    ('ES3', 'ntf'): ['ES3_SMDP'],
    ('ES4', 'req'): ['ES4_SMSR', 'ES4_MNO'],
    ('ES7', 'req'): ['ES7_SMSR_Provider', 'ES7_SMSR'],
    ('ES7', 'ntf'): ['ES7_SMSR'],
}

# Spellings a peer may reasonably send besides the WSDL's own (which writes
# "ProfileDownloadedCompleted"; the element and operation say "ProfileDownloadCompleted").
EXTRA_ALIASES = {
    'ES3-ProfileDownloadCompleted':
        ['http://gsma.com/ES3/ProfileManagement/ES3-ProfileDownloadCompletedRequest'],
}


def die(msg):
    sys.stderr.write('gen_tables: %s\n' % msg)
    sys.exit(1)


def c_str(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


# ---------------------------------------------------------------------------------------------
# WSDL: operations and their Action URIs

def wsdl_operations():
    """Rows (wsdl stem, operation, direction, element local name, action)."""
    rows = []
    for fn in sorted(os.listdir(WSDL_DIR)):
        if not fn.endswith('.wsdl'):
            continue
        stem = fn[:-5]
        root = ET.parse(os.path.join(WSDL_DIR, fn)).getroot()
        msgs = {}
        for m in root.findall('{%s}message' % WSDL):
            part = m.find('{%s}part' % WSDL)
            if part is not None and part.get('element'):
                msgs[m.get('name')] = part.get('element').split(':')[-1]
        for pt in root.findall('{%s}portType' % WSDL):
            for op in pt.findall('{%s}operation' % WSDL):
                for d in ('input', 'output'):
                    e = op.find('{%s}%s' % (WSDL, d))
                    if e is None:
                        continue
                    a = e.get('{%s}Action' % WSA)
                    b = e.get('{%s}Action' % WSAM)
                    if a != b:
                        die('%s %s: wsa:Action %s != wsam:Action %s' % (fn, op.get('name'), a, b))
                    elem = msgs.get(e.get('message').split(':')[-1])
                    rows.append((stem, op.get('name'), d, elem, a))
    return rows


def toggle_request(action):
    return action[:-len('Request')] if action.endswith('Request') else action + 'Request'


def function_rows(ops, elements):
    out = []
    seen_actions = {}
    for iface, name, kind, provider, callers in FUNCTIONS:
        fname = '%s-%s' % (iface, name)
        if kind == 'req':
            req_el, resp_el = fname + 'Request', fname + 'Response'
        else:
            req_el, resp_el = fname, None
        for el in (req_el, resp_el):
            if el and el not in elements:
                die('%s: element %s is not in the schema' % (fname, el))
        # Operations are matched by name: one WSDL misspells an element
        # (ES7_SMSR_Provider: "ES7-AuthenticateSMSRequest").
        ins = [(s, a, el) for (s, op, d, el, a) in ops if op == fname and d == 'input']
        outs = [(s, a) for (s, op, d, el, a) in ops if op == fname and d == 'output']
        cbs = [(s, a) for (s, op, d, el, a) in ops if op == fname + 'Callback' and d == 'input']
        for s, a, el in ins:
            if el != req_el:
                sys.stderr.write('gen_tables: note: %s.wsdl %s input element %s (expected %s)\n'
                                 % (s, fname, el, req_el))
        prefs = PROVIDER_WSDL.get((iface, kind), [])
        req_action = None
        for p in prefs:
            for s, a, _ in ins:
                if s == p and req_action is None:
                    req_action = a
        derived = False
        if req_action is None:
            if ins:
                die('%s: no provider WSDL among %s' % (fname, [s for s, _, _ in ins]))
            # ES2/ES4 notifications have no WSDL: follow ES3's notification pattern.
            req_action = 'http://gsma.com/%s/PlatformManagement/%s' % (iface, fname)
            derived = True
        aliases = []
        for a in [req_action] + sorted(a for _, a, _ in ins) + EXTRA_ALIASES.get(fname, []):
            for v in (a, toggle_request(a)) if kind == 'req' else (a,):
                if v not in aliases:
                    aliases.append(v)
        resp_action = cb_action = None
        resp_aliases = []
        if kind == 'req':
            for p in prefs:
                for s, a in outs:
                    if s == p and resp_action is None:
                        resp_action = a
            if resp_action is None and outs:
                resp_action = sorted(outs)[0][1]
            if resp_action is None:
                base = req_action[:-len('Request')] if req_action.endswith('Request') \
                    else req_action
                resp_action = base + 'Response'
            cb_action = cbs[0][1] if cbs else resp_action
            for a in [resp_action, cb_action] + sorted(a for _, a in outs) + \
                    sorted(a for _, a in cbs):
                if a not in resp_aliases:
                    resp_aliases.append(a)
        for a in aliases:
            k = seen_actions.setdefault(a, (fname, 'in'))
            if k != (fname, 'in'):
                die('action %s used by %s and %s' % (a, k, fname))
        for a in resp_aliases:
            k = seen_actions.setdefault(a, (fname, 'out'))
            if k != (fname, 'out'):
                die('action %s used by %s and %s' % (a, k, fname))
        out.append(dict(iface=iface, name=name, fname=fname, kind=kind, provider=provider,
                        callers=callers, req_el=req_el, resp_el=resp_el,
                        req_action=req_action, resp_action=resp_action, cb_action=cb_action,
                        aliases=aliases, resp_aliases=resp_aliases, derived=derived,
                        wsdls=sorted(set(s for s, _, _ in ins))))
    return out


def c_ident(fname):
    s = re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', fname.replace('-', '_'))
    s = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', s)
    return s.upper()


def roles_c(s):
    return ' | '.join('M2M_WS_ROLE_' + r for r in s.split('|'))


def write_functions(rows, path):
    L = ['/* Generated by src/ws/gen_tables.py from the WSDL files in data/wsdl: do not edit. */', '',
         '/* M2M_WS_FN(id, interface, name, kind, request element, response element,',
         ' *           provider roles, caller roles, request action, response action,',
         ' *           callback action, action derived from the pattern (no WSDL)) */']
    for r in rows:
        kind = 'M2M_WS_KIND_REQUEST' if r['kind'] == 'req' else 'M2M_WS_KIND_NOTIFICATION'
        resp = c_str(r['resp_el']) if r['resp_el'] else 'NULL'
        ra = c_str(r['resp_action']) if r['resp_action'] else 'NULL'
        ca = c_str(r['cb_action']) if r['cb_action'] else 'NULL'
        L.append('M2M_WS_FN(%s, %s, %s, %s,\n\t  %s, %s,\n\t  %s, %s,\n\t  %s,\n\t  %s,\n\t  %s, %s)'
                 % (c_ident(r['fname']), c_str(r['iface']), c_str(r['fname']), kind,
                    c_str(r['req_el']), resp, roles_c(r['provider']), roles_c(r['callers']),
                    c_str(r['req_action']), ra, ca, 'true' if r['derived'] else 'false'))
    L += ['', '/* M2M_WS_ACTION(function id, direction, action URI): every Action accepted. */']
    for r in rows:
        for a in r['aliases']:
            L.append('M2M_WS_ACTION(%s, M2M_WS_DIR_IN, %s)' % (c_ident(r['fname']), c_str(a)))
        for a in r['resp_aliases']:
            L.append('M2M_WS_ACTION(%s, M2M_WS_DIR_OUT, %s)' % (c_ident(r['fname']), c_str(a)))
    with open(path, 'w') as f:
        f.write('\n'.join(L) + '\n')


def markdown(rows):
    print('| Function | Request element | Response element | Provider | Callers | '
          'Request Action (sent) | Response Action (sync) | Callback Action (async) |')
    print('|---|---|---|---|---|---|---|---|')
    for r in rows:
        short = lambda a: a.replace('http://gsma.com/', '') if a else '-'
        print('| %s | %s | %s | %s | %s | %s%s | %s | %s |' % (
            r['fname'], r['req_el'], r['resp_el'] or '-', r['provider'], r['callers'],
            short(r['req_action']), ' (*)' if r['derived'] else '', short(r['resp_action']),
            short(r['cb_action']) if r['cb_action'] != r['resp_action'] else '(same)'))
    print()
    print('Accepted aliases (input):')
    print()
    for r in rows:
        extra = [a for a in r['aliases'] if a != r['req_action']]
        if extra:
            print('- %s: %s' % (r['fname'], ', '.join('`%s`' % a.replace('http://gsma.com/', '')
                                                     for a in extra)))


# ---------------------------------------------------------------------------------------------
# XSD model

class Schema:
    def __init__(self):
        self.elements = {}  # (ns, name) -> (file ns map, xml element)
        self.ctypes = {}    # (ns, name) -> (nsmap, node)
        self.stypes = {}    # (ns, name) -> (nsmap, node)
        self.groups = {}
        self.loaded = set()

    def load(self, path, chameleon_ns=None):
        path = os.path.normpath(path)
        key = (path, chameleon_ns)
        if key in self.loaded:
            return
        self.loaded.add(key)
        nsmap = {}
        for ev, (prefix, uri) in ET.iterparse(path, events=['start-ns']):
            nsmap.setdefault(prefix, uri)
        root = ET.parse(path).getroot()
        tns = root.get('targetNamespace') or chameleon_ns
        ctx = (nsmap, tns)
        base = os.path.dirname(path)
        for c in root:
            tag = c.tag.split('}')[-1]
            if tag == 'include':
                self.load(os.path.join(base, c.get('schemaLocation')), tns)
            elif tag == 'import':
                self.load(os.path.join(base, c.get('schemaLocation')))
            elif tag == 'element':
                self.elements[(tns, c.get('name'))] = (ctx, c)
            elif tag == 'complexType':
                self.ctypes[(tns, c.get('name'))] = (ctx, c)
            elif tag == 'simpleType':
                self.stypes[(tns, c.get('name'))] = (ctx, c)
            elif tag == 'group':
                self.groups[(tns, c.get('name'))] = (ctx, c)

    @staticmethod
    def qname(ctx, s):
        nsmap, tns = ctx
        if ':' in s:
            p, n = s.split(':', 1)
            return (nsmap[p], n)
        # Unprefixed: the default namespace if the file declares one, else (chameleon) tns.
        return (nsmap[''], s) if '' in nsmap else (tns, s)


SIMPLE_KINDS = {
    'hexBinary': 'M2M_WS_XSD_HEX', 'base64Binary': 'M2M_WS_XSD_BASE64',
    'boolean': 'M2M_WS_XSD_BOOL', 'integer': 'M2M_WS_XSD_INT', 'positiveInteger': 'M2M_WS_XSD_INT',
    'nonNegativeInteger': 'M2M_WS_XSD_INT', 'byte': 'M2M_WS_XSD_INT', 'int': 'M2M_WS_XSD_INT',
    'long': 'M2M_WS_XSD_INT', 'dateTime': 'M2M_WS_XSD_DATETIME',
}


class Model:
    """Types numbered in discovery order; type 0 is a plain string."""

    def __init__(self, sch):
        self.sch = sch
        self.types = []      # dicts
        self.index = {}      # key -> id
        self.new_type(('builtin', 'string'), 'string', 'M2M_WS_XSD_STRING')

    def new_type(self, key, name, kind):
        t = dict(name=name, kind=kind, children=[], attrs=[], open=False, mixed=False,
                 text=False)
        self.types.append(t)
        self.index[key] = len(self.types) - 1
        return len(self.types) - 1

    def simple_kind(self, ctx, node):
        """Builtin kind of a simpleType node (restriction chain, union/list = string)."""
        r = node.find('{%s}restriction' % XS)
        if r is None:
            return 'M2M_WS_XSD_STRING'
        return self.kind_of(self.sch.qname(ctx, r.get('base')))

    def kind_of(self, q):
        ns, n = q
        if ns == XS:
            return SIMPLE_KINDS.get(n, 'M2M_WS_XSD_STRING')
        if q in self.sch.stypes:
            ctx, node = self.sch.stypes[q]
            return self.simple_kind(ctx, node)
        die('unknown simple type %s' % (q,))

    def type_id(self, ctx, q):
        """Type id of a named type."""
        ns, n = q
        if ns == XS:
            key = ('builtin', n)
            if key not in self.index:
                self.new_type(key, n, SIMPLE_KINDS.get(n, 'M2M_WS_XSD_STRING'))
            return self.index[key]
        if q in self.sch.stypes:
            key = ('simple',) + q
            if key not in self.index:
                c2, node = self.sch.stypes[q]
                self.new_type(key, n, self.simple_kind(c2, node))
            return self.index[key]
        if q in self.sch.ctypes:
            key = ('complex',) + q
            if key not in self.index:
                c2, node = self.sch.ctypes[q]
                tid = self.new_type(key, n, 'M2M_WS_XSD_COMPLEX')
                self.fill_complex(c2, node, tid)
            return self.index[key]
        die('unknown type %s' % (q,))

    def element_type(self, ctx, el, path):
        """Type id of an element declaration (named or anonymous type)."""
        if el.get('type'):
            return self.type_id(ctx, self.sch.qname(ctx, el.get('type')))
        ct = el.find('{%s}complexType' % XS)
        st = el.find('{%s}simpleType' % XS)
        key = ('anon', path)
        if key in self.index:
            return self.index[key]
        if ct is not None:
            tid = self.new_type(key, path, 'M2M_WS_XSD_COMPLEX')
            self.fill_complex(ctx, ct, tid)
            return tid
        if st is not None:
            return self.new_type(key, path, self.simple_kind(ctx, st))
        return self.type_id(ctx, (XS, 'string'))

    def fill_complex(self, ctx, ct, tid):
        t = self.types[tid]
        t['mixed'] = ct.get('mixed') == 'true'
        for c in ct:
            tag = c.tag.split('}')[-1]
            if tag == 'annotation':
                continue
            if tag == 'complexContent':
                ext = c[0] if c[0].tag.split('}')[-1] != 'annotation' else c[1]
                base = self.sch.qname(ctx, ext.get('base'))
                bid = self.type_id(ctx, base)
                t['children'] += [dict(ch) for ch in self.types[bid]['children']]
                t['attrs'] += list(self.types[bid]['attrs'])
                t['open'] |= self.types[bid]['open']
                self.particles(ctx, ext, tid, False, False)
            elif tag == 'simpleContent':
                ext = [x for x in c if x.tag.split('}')[-1] != 'annotation'][0]
                t['text'] = True
                t['kind'] = 'M2M_WS_XSD_COMPLEX'
                t['text_kind'] = self.kind_of(self.sch.qname(ctx, ext.get('base')))
                self.particles(ctx, ext, tid, False, False)
            else:
                self.particles(ctx, ct, tid, False, False)
                break

    def particles(self, ctx, node, tid, many, optional):
        t = self.types[tid]
        for c in node:
            tag = c.tag.split('}')[-1]
            mx = c.get('maxOccurs', '1')
            mn = c.get('minOccurs', '1')
            c_many = many or mx == 'unbounded' or (mx.isdigit() and int(mx) > 1)
            c_opt = optional or mn == '0'
            if tag in ('sequence', 'choice'):
                self.particles(ctx, c, tid, c_many, c_opt or tag == 'choice')
            elif tag == 'group':
                gctx, g = self.sch.groups[self.sch.qname(ctx, c.get('ref'))]
                self.particles(gctx, g, tid, c_many, c_opt)
            elif tag == 'any':
                t['open'] = True
            elif tag == 'attribute':
                at = c.get('type')
                kind = 'M2M_WS_XSD_STRING'
                if at:
                    kind = self.kind_of(self.sch.qname(ctx, at))
                elif c.find('{%s}simpleType' % XS) is not None:
                    kind = self.simple_kind(ctx, c.find('{%s}simpleType' % XS))
                t['attrs'].append(dict(name=c.get('name'), kind=kind,
                                       required=c.get('use') == 'required'))
            elif tag == 'element':
                if c.get('ref'):
                    q = self.sch.qname(ctx, c.get('ref'))
                    ectx, edecl = self.sch.elements[q]
                    ns, name = q
                    ctype = self.element_type(ectx, edecl, name)
                else:
                    ns, name = ctx[1], c.get('name')
                    ctype = self.element_type(ctx, c, t['name'] + '/' + name)
                self.add_child(tid, dict(name=name, ns=ns, type=ctype, many=c_many,
                                         optional=c_opt))

    def add_child(self, tid, ch):
        for old in self.types[tid]['children']:
            if old['name'] == ch['name'] and old['ns'] == ch['ns']:
                if old['type'] != ch['type']:
                    die('%s: child %s with two types' % (self.types[tid]['name'], ch['name']))
                old['many'] |= ch['many']
                old['optional'] |= ch['optional']
                return
        self.types[tid]['children'].append(ch)


def build_model():
    sch = Schema()
    sch.load(os.path.join(XSD_DIR, 'messages.xsd'))
    m = Model(sch)
    globals_ = []
    for (ns, name) in sorted(k for k in sch.elements if k[0] == GSMA):
        ctx, el = sch.elements[(ns, name)]
        globals_.append((name, m.element_type(ctx, el, name)))
    return m, globals_, set(n for n, _ in globals_)


def write_model(m, globals_, path):
    L = ['/* Generated by src/ws/gen_tables.py from data/wsdl/xsd/messages.xsd: do not edit. */',
         '#include "ws/xsd_model.h"', '']
    children, attrs = [], []
    rows = []
    for tid, t in enumerate(m.types):
        c0, a0 = len(children), len(attrs)
        children += t['children']
        attrs += t['attrs']
        flags = []
        if t['open']:
            flags.append('M2M_WS_XSD_OPEN')
        if t['mixed']:
            flags.append('M2M_WS_XSD_MIXED')
        if t['text']:
            flags.append('M2M_WS_XSD_TEXT')
        rows.append('\t/* %3d */ {%s, %s, %s, %s, %d, %d, %d, %d},' % (
            tid, c_str(t['name']), t['kind'], t.get('text_kind', 'M2M_WS_XSD_STRING'),
            ' | '.join(flags) or '0', c0, len(t['children']), a0, len(t['attrs'])))
    L.append('const m2m_ws_xsd_child m2m_ws_xsd_children[] = {')
    for i, c in enumerate(children):
        fl = []
        if c['many']:
            fl.append('M2M_WS_XSD_MANY')
        if c['optional']:
            fl.append('M2M_WS_XSD_OPTIONAL')
        L.append('\t/* %3d */ {%s, %s, %d, %s},' % (i, c_str(c['name']), NS_ID[c['ns']],
                                                   c['type'], ' | '.join(fl) or '0'))
    L += ['};', '', 'const m2m_ws_xsd_attr m2m_ws_xsd_attrs[] = {']
    for a in attrs:
        L.append('\t{%s, %s, %s},' % (c_str(a['name']), a['kind'],
                                      'true' if a['required'] else 'false'))
    L += ['};', '', 'const m2m_ws_xsd_type m2m_ws_xsd_types[] = {'] + rows
    L += ['};', '', 'const size_t m2m_ws_xsd_n_types = %d;' % len(m.types), '',
          '/* Global elements of the GSMA namespace, sorted by name (bsearch). */',
          'const m2m_ws_xsd_elem m2m_ws_xsd_elements[] = {']
    for name, tid in sorted(globals_):
        L.append('\t{%s, %d},' % (c_str(name), tid))
    L += ['};', '', 'const size_t m2m_ws_xsd_n_elements = %d;' % len(globals_)]
    with open(path, 'w') as f:
        f.write('\n'.join(L) + '\n')


def main():
    model, globals_, element_names = build_model()
    rows = function_rows(wsdl_operations(), element_names)
    if '--markdown' in sys.argv:
        markdown(rows)
        return
    write_functions(rows, os.path.join(HERE, 'functions_gen.inc'))
    write_model(model, globals_, os.path.join(HERE, 'xsd_model_gen.c'))


if __name__ == '__main__':
    main()
