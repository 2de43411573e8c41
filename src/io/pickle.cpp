// ref: CPython Lib/pickle.py (opcode meanings) and Lib/pickletools.py (argument encodings).
#include "io/pickle.h"

#include <cstring>
#include <unordered_map>

#include "core/error.h"
#include "core/safe-text.h"

namespace sam3rt {

const char* PyValue::kind_name() const {
  switch (kind) {
    case Kind::kNone: return "None";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "str";
    case Kind::kBytes: return "bytes";
    case Kind::kTuple: return "tuple";
    case Kind::kList: return "list";
    case Kind::kDict: return "dict";
    case Kind::kGlobal: return "global";
    case Kind::kTensor: return "tensor";
    case Kind::kOpaque: return "object";
  }
  return "?";
}

namespace {

const char* opcode_name(uint8_t op) {
  switch (op) {
    case 'I': return "INT";
    case 'L': return "LONG";
    case 'F': return "FLOAT";
    case 'S': return "STRING";
    case 'V': return "UNICODE";
    case 'p': return "PUT";
    case 'g': return "GET";
    case 'i': return "INST";
    case 'o': return "OBJ";
    case 'P': return "PERSID";
    case 0x81: return "NEWOBJ";
    case 0x92: return "NEWOBJ_EX";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 0x8b: return "LONG4";
    case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS";
    case 0x91: return "FROZENSET";
    case 0x96: return "BYTEARRAY8";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    default: return "unknown";
  }
}

class Unpickler {
 public:
  Unpickler(const uint8_t* data, size_t size, const std::string& where, const UnpicklerHooks& hooks)
      : p_(data), n_(size), where_(where), hooks_(hooks) {}

  PyRef run() {
    SAM3RT_CHECK(n_ > 0, kFormat, where_, ": the pickle is empty; the checkpoint is corrupt");
    for (;;) {
      SAM3RT_CHECK(pos_ < n_, kFormat, where_, ": the pickle ends without STOP; the checkpoint is truncated");
      op_pos_ = pos_;
      uint8_t op = p_[pos_++];
      switch (op) {
        case 0x80: take(1); break;  // PROTO
        case 0x95: take(8); break;  // FRAME: framing is irrelevant when the whole program is in memory
        case '.': {                 // STOP
          SAM3RT_CHECK(stack_.size() == 1 && marks_.empty(), kFormat, where_,
                       ": the pickle stops with ", stack_.size(), " values on the stack; the checkpoint is corrupt");
          return stack_.back();
        }
        case '(': marks_.push_back(stack_.size()); break;
        case '0': pop(); break;  // POP
        case '1': pop_mark(); break;  // POP_MARK
        case '2': push(top()); break;  // DUP
        case 'N': push(PyValue::none()); break;
        case 0x88: push(make_bool(true)); break;
        case 0x89: push(make_bool(false)); break;
        case 'K': push(make_int(u(1))); break;
        case 'M': push(make_int(u(2))); break;
        case 'J': push(make_int(static_cast<int32_t>(u(4)))); break;
        case 0x8a: push(make_int(long1())); break;
        case 'G': {
          uint64_t bits = 0;
          const uint8_t* b = take(8);
          for (int i = 0; i < 8; ++i) bits = (bits << 8) | b[i];  // big-endian
          double d;
          std::memcpy(&d, &bits, 8);
          auto v = PyValue::make(PyValue::Kind::kFloat);
          v->f = d;
          push(v);
          break;
        }
        case 'X': push(make_str(PyValue::Kind::kString, u(4))); break;
        case 0x8c: push(make_str(PyValue::Kind::kString, u(1))); break;
        case 0x8d: push(make_str(PyValue::Kind::kString, u(8))); break;
        case 'T': push(make_str(PyValue::Kind::kString, u(4))); break;  // BINSTRING (Python 2 str)
        case 'U': push(make_str(PyValue::Kind::kString, u(1))); break;  // SHORT_BINSTRING
        case 'B': push(make_str(PyValue::Kind::kBytes, u(4))); break;
        case 'C': push(make_str(PyValue::Kind::kBytes, u(1))); break;
        case 0x8e: push(make_str(PyValue::Kind::kBytes, u(8))); break;
        case '}': push(PyValue::make(PyValue::Kind::kDict)); break;
        case ']': push(PyValue::make(PyValue::Kind::kList)); break;
        case ')': push(PyValue::make(PyValue::Kind::kTuple)); break;
        case 't': push(make_seq(PyValue::Kind::kTuple, pop_mark())); break;
        case 'l': push(make_seq(PyValue::Kind::kList, pop_mark())); break;
        case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
          size_t k = op - 0x84;
          need(k);
          std::vector<PyRef> items(stack_.end() - static_cast<std::ptrdiff_t>(k), stack_.end());
          stack_.resize(stack_.size() - k);
          push(make_seq(PyValue::Kind::kTuple, std::move(items)));
          break;
        }
        case 'd': {
          auto d = PyValue::make(PyValue::Kind::kDict);
          set_items(d, pop_mark());
          push(d);
          break;
        }
        case 'a': {
          PyRef v = pop();
          PyRef l = mutable_container(top(), PyValue::Kind::kList, "APPEND");
          adopt(*l, v);
          l->items.push_back(v);
          break;
        }
        case 'e': {
          std::vector<PyRef> vs = pop_mark();
          PyRef l = mutable_container(top(), PyValue::Kind::kList, "APPENDS");
          for (const PyRef& v : vs) adopt(*l, v);
          l->items.insert(l->items.end(), vs.begin(), vs.end());
          break;
        }
        case 's': {
          PyRef v = pop(), k = pop();
          PyRef d = mutable_container(top(), PyValue::Kind::kDict, "SETITEM");
          adopt(*d, k);
          adopt(*d, v);
          d->entries.emplace_back(k, v);
          break;
        }
        case 'u': {
          std::vector<PyRef> kv = pop_mark();
          set_items(mutable_container(top(), PyValue::Kind::kDict, "SETITEMS"), std::move(kv));
          break;
        }
        case 'q': memo_[u(1)] = top(); break;
        case 'r': memo_[u(4)] = top(); break;
        case 0x94: memo_[memo_.size()] = top(); break;  // MEMOIZE
        case 'h': push(memo_get(u(1))); break;
        case 'j': push(memo_get(u(4))); break;
        case 'c': {
          std::string module = line(), name = line();
          push(make_global(module, name));
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          PyRef name = pop(), module = pop();
          expect(name, PyValue::Kind::kString, "STACK_GLOBAL");
          expect(module, PyValue::Kind::kString, "STACK_GLOBAL");
          push(make_global(module->s, name->s));
          break;
        }
        case 'R': {
          PyRef args = pop(), fn = pop();
          expect(fn, PyValue::Kind::kGlobal, "REDUCE");
          expect(args, PyValue::Kind::kTuple, "REDUCE");
          push(reduce(fn->s, args));
          break;
        }
        case 'b': {  // BUILD: object state (e.g. a state_dict's _metadata) carries no weights
          pop();
          top();
          break;
        }
        case 'Q': {
          PyRef pid = pop();
          SAM3RT_CHECK(hooks_.persistent_load, kUnsupported, where_, ": the pickle uses persistent ids");
          push(hooks_.persistent_load(pid));
          break;
        }
        default:
          fail(ErrorCode::kUnsupported, where_, ": pickle opcode 0x", hex(op), " (", opcode_name(op), ") at byte ",
               op_pos_, " is outside the subset torch.save writes; sam3rt reads state dicts saved with torch.save");
      }
    }
  }

 private:
  static std::string hex(uint8_t v) {
    const char* d = "0123456789abcdef";
    return std::string{d[v >> 4], d[v & 15]};
  }
  const uint8_t* take(uint64_t k) {
    SAM3RT_CHECK(k <= n_ - pos_, kFormat, where_, ": the pickle is truncated (opcode at byte ", op_pos_,
                 " needs ", k, " more bytes); the checkpoint is corrupt");
    const uint8_t* r = p_ + pos_;
    pos_ += k;
    return r;
  }
  uint64_t u(int k) {
    const uint8_t* b = take(k);
    uint64_t v = 0;
    for (int i = k - 1; i >= 0; --i) v = (v << 8) | b[i];
    return v;
  }
  int64_t long1() {
    uint64_t k = u(1);
    SAM3RT_CHECK(k <= 8, kUnsupported, where_, ": a ", k, "-byte integer at byte ", op_pos_,
                 " does not fit 64 bits");
    const uint8_t* b = take(k);
    if (k == 0) return 0;
    uint64_t v = 0;
    for (int i = static_cast<int>(k) - 1; i >= 0; --i) v = (v << 8) | b[i];
    if (k < 8 && (b[k - 1] & 0x80)) v |= ~uint64_t{0} << (8 * k);  // sign-extend
    return static_cast<int64_t>(v);
  }
  std::string line() {
    size_t start = pos_;
    while (pos_ < n_ && p_[pos_] != '\n') ++pos_;
    SAM3RT_CHECK(pos_ < n_, kFormat, where_, ": the pickle is truncated inside GLOBAL at byte ", op_pos_);
    return std::string(reinterpret_cast<const char*>(p_ + start), pos_++ - start);
  }
  void need(size_t k) {
    size_t floor = marks_.empty() ? 0 : marks_.back();
    SAM3RT_CHECK(stack_.size() >= floor + k, kFormat, where_, ": pickle stack underflow at byte ", op_pos_,
                 "; the checkpoint is corrupt");
  }
  void push(PyRef v) { stack_.push_back(std::move(v)); }
  PyRef pop() {
    need(1);
    PyRef v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  const PyRef& top() {
    need(1);
    return stack_.back();
  }
  std::vector<PyRef> pop_mark() {
    SAM3RT_CHECK(!marks_.empty(), kFormat, where_, ": pickle MARK missing at byte ", op_pos_,
                 "; the checkpoint is corrupt");
    size_t m = marks_.back();
    marks_.pop_back();
    std::vector<PyRef> items(stack_.begin() + m, stack_.end());
    stack_.resize(m);
    return items;
  }
  PyRef memo_get(uint64_t k) {
    auto it = memo_.find(k);
    SAM3RT_CHECK(it != memo_.end(), kFormat, where_, ": pickle memo entry ", k, " read before it was written (byte ",
                 op_pos_, "); the checkpoint is corrupt");
    return it->second;
  }
  // The container an APPEND/SETITEM changes: one not yet inside another container, so that the
  // depth recorded for every container above it stays right and no cycle can form.
  PyRef mutable_container(const PyRef& v, PyValue::Kind kind, const char* op) {
    expect(v, kind, op);
    SAM3RT_CHECK(!v->contained, kUnsupported, where_, ": pickle ", op, " at byte ", op_pos_,
                 " changes a container that is already inside another one; torch.save never writes that, so the "
                 "file is corrupt or not a state dict");
    return v;
  }
  // Bookkeeping for `child` becoming an item of `container` (see the limits in pickle.h).
  void adopt(PyValue& container, const PyRef& child) {
    SAM3RT_CHECK(child.get() != &container, kUnsupported, where_, ": the pickle puts a ", container.kind_name(),
                 " into itself at byte ", op_pos_, "; self-referencing objects are not state dicts");
    SAM3RT_CHECK(++items_ <= 2 * n_ + 16, kFormat, where_, ": the pickle builds more container items than its ",
                 n_, " bytes can describe (at byte ", op_pos_, "); the checkpoint is corrupt");
    child->contained = true;
    if (child->depth + 1 > container.depth) container.depth = child->depth + 1;
    SAM3RT_CHECK(container.depth <= kMaxPickleDepth, kUnsupported, where_, ": the pickle nests containers more than ",
                 kMaxPickleDepth, " deep (at byte ", op_pos_, "); a state dict nests a few levels");
  }
  PyRef expect(const PyRef& v, PyValue::Kind kind, const char* op) {
    SAM3RT_CHECK(v->kind == kind, kFormat, where_, ": pickle ", op, " at byte ", op_pos_, " applied to a ",
                 v->kind_name(), "; the checkpoint is corrupt");
    return v;
  }
  void set_items(const PyRef& d, std::vector<PyRef> kv) {
    SAM3RT_CHECK(kv.size() % 2 == 0, kFormat, where_, ": pickle SETITEMS with an odd number of values at byte ",
                 op_pos_);
    for (const PyRef& v : kv) adopt(*d, v);
    for (size_t i = 0; i < kv.size(); i += 2) d->entries.emplace_back(std::move(kv[i]), std::move(kv[i + 1]));
  }
  static PyRef make_bool(bool b) {
    auto v = PyValue::make(PyValue::Kind::kBool);
    v->b = b;
    return v;
  }
  static PyRef make_int(int64_t i) {
    auto v = PyValue::make(PyValue::Kind::kInt);
    v->i = i;
    return v;
  }
  PyRef make_str(PyValue::Kind kind, uint64_t len) {
    const uint8_t* b = take(len);
    auto v = PyValue::make(kind);
    v->s.assign(reinterpret_cast<const char*>(b), len);
    return v;
  }
  PyRef make_seq(PyValue::Kind kind, std::vector<PyRef> items) {
    auto v = PyValue::make(kind);
    for (const PyRef& item : items) adopt(*v, item);
    v->items = std::move(items);
    return v;
  }
  static PyRef make_global(const std::string& module, const std::string& name) {
    auto v = PyValue::make(PyValue::Kind::kGlobal);
    v->s = module + "." + name;
    return v;
  }
  PyRef reduce(const std::string& fn, const PyRef& args) {
    if (fn == "collections.OrderedDict") {
      // OrderedDict() or OrderedDict([(k, v), ...]); SETITEMS usually fills it afterwards.
      auto d = PyValue::make(PyValue::Kind::kDict);
      if (!args->items.empty() && args->items[0]->kind == PyValue::Kind::kList)
        for (const PyRef& pair : args->items[0]->items) {
          SAM3RT_CHECK(pair->kind == PyValue::Kind::kTuple && pair->items.size() == 2, kFormat, where_,
                       ": OrderedDict built from something other than (key, value) pairs");
          adopt(*d, pair->items[0]);
          adopt(*d, pair->items[1]);
          d->entries.emplace_back(pair->items[0], pair->items[1]);
        }
      return d;
    }
    PyRef r = hooks_.reduce ? hooks_.reduce(fn, args) : nullptr;
    SAM3RT_CHECK(r != nullptr, kUnsupported, where_, ": the pickle calls '", safe_text(fn),
                 "', which sam3rt does not support (it reads state dicts of tensors saved with torch.save)");
    return r;
  }

  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0, op_pos_ = 0;
  const std::string& where_;
  const UnpicklerHooks& hooks_;
  std::vector<PyRef> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, PyRef> memo_;
  size_t items_ = 0;  // items put into containers so far
};

}  // namespace

PyRef unpickle(const uint8_t* data, size_t size, const std::string& where, const UnpicklerHooks& hooks) {
  return Unpickler(data, size, where, hooks).run();
}

}  // namespace sam3rt
