;; GF(2^8) matrix-times-regions kernel with WebAssembly SIMD128 (split-nibble tables, i8x16.swizzle).
;;
;; Source of src/erasure/kernel-wasm.generated.ts: after editing, run `npm run build:wasm`. The build
;; also emits a relaxed-SIMD variant with every i8x16.swizzle replaced by i8x16.relaxed_swizzle; that is
;; exact here because every index is a nibble (< 16), and saves V8 the out-of-range fix-up.
;;
;; c·x = c·(x & 0x0f) XOR c·(x & 0xf0), so one 16-entry table per nibble turns a GF multiply of 16 bytes
;; into two swizzles and a XOR. Each output block of 32 bytes is accumulated over all k inputs in
;; registers and stored once; output rows are taken two at a time so every input load and nibble split
;; serves two rows. High nibbles use i16x8.shr_u plus the 0x0f mask (V8 emulates i8x16.shr_u with more
;; instructions).
;;
;; The memory is imported, so one compiled module serves every arena (kernel-arena.ts); the build also
;; emits a variant importing a *shared* memory, which worker threads compute in at the same time, each on
;; its own byte range. Linear memory, laid out by kernel-arena.ts:
;;   [0, 8192)       the nibble tables of all 256 coefficients c, 32 bytes each at c * 32:
;;                   bytes 0..15 are c·x for x = 0..15, bytes 16..31 are c·(x << 4) for x = 0..15
;;   coef            the m × k coefficient matrix, row-major, one byte each
;;   ins, outs       tables of k input and m output region addresses (i32 each): regions may lie
;;                   anywhere, so shards allocated in memory are used where they are, without copies
;; Every call computes bytes [from, to) of each output region from the same bytes of the inputs; from
;; and to are multiples of 32 with from < to, and k ≥ 1. Tails are the caller's: it computes the last
;; length % 32 bytes through padded scratch regions.
(module
  (import "env" "memory" (memory 1))

  ;; Two output rows, at the addresses outs[0] and outs[1], from coefficient rows coef and coef + k.
  (func $rowPair (param $coef i32) (param $k i32) (param $ins i32) (param $outs i32) (param $from i32)
    (param $to i32)
    (local $i i32) (local $c i32) (local $p i32) (local $q i32) (local $t i32) (local $a i32)
    (local $mask v128) (local $x v128) (local $l0 v128) (local $h0 v128) (local $l1 v128) (local $h1 v128)
    (local $lo v128) (local $hi v128) (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128)
    (local.set $mask (i8x16.splat (i32.const 0x0f)))
    (local.set $i (local.get $from))
    (loop $blocks
      (local.set $a0 (v128.const i64x2 0 0))
      (local.set $a1 (v128.const i64x2 0 0))
      (local.set $b0 (v128.const i64x2 0 0))
      (local.set $b1 (v128.const i64x2 0 0))
      (local.set $a (local.get $ins))
      (local.set $q (local.get $coef))
      (local.set $c (local.get $k))
      (loop $inputs
        ;; split 32 input bytes into low and high nibbles
        (local.set $p (i32.add (i32.load (local.get $a)) (local.get $i)))
        (local.set $x (v128.load (local.get $p)))
        (local.set $l0 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h0 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $x (v128.load offset=16 (local.get $p)))
        (local.set $l1 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h1 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        ;; first row
        (local.set $t (i32.shl (i32.load8_u (local.get $q)) (i32.const 5)))
        (local.set $lo (v128.load (local.get $t)))
        (local.set $hi (v128.load offset=16 (local.get $t)))
        (local.set $a0
          (v128.xor (local.get $a0)
            (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0))
                      (i8x16.swizzle (local.get $hi) (local.get $h0)))))
        (local.set $a1
          (v128.xor (local.get $a1)
            (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1))
                      (i8x16.swizzle (local.get $hi) (local.get $h1)))))
        ;; second row
        (local.set $t (i32.shl (i32.load8_u (i32.add (local.get $q) (local.get $k))) (i32.const 5)))
        (local.set $lo (v128.load (local.get $t)))
        (local.set $hi (v128.load offset=16 (local.get $t)))
        (local.set $b0
          (v128.xor (local.get $b0)
            (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0))
                      (i8x16.swizzle (local.get $hi) (local.get $h0)))))
        (local.set $b1
          (v128.xor (local.get $b1)
            (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1))
                      (i8x16.swizzle (local.get $hi) (local.get $h1)))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br_if $inputs (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
      (local.set $p (i32.add (i32.load (local.get $outs)) (local.get $i)))
      (v128.store (local.get $p) (local.get $a0))
      (v128.store offset=16 (local.get $p) (local.get $a1))
      (local.set $p (i32.add (i32.load offset=4 (local.get $outs)) (local.get $i)))
      (v128.store (local.get $p) (local.get $b0))
      (v128.store offset=16 (local.get $p) (local.get $b1))
      (br_if $blocks (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 32))) (local.get $to)))))

  ;; One output row, at the address outs[0], from coefficient row coef.
  (func $row (param $coef i32) (param $k i32) (param $ins i32) (param $outs i32) (param $from i32)
    (param $to i32)
    (local $i i32) (local $c i32) (local $p i32) (local $q i32) (local $t i32) (local $a i32)
    (local $mask v128) (local $x v128) (local $l0 v128) (local $h0 v128) (local $l1 v128) (local $h1 v128)
    (local $lo v128) (local $hi v128) (local $a0 v128) (local $a1 v128)
    (local.set $mask (i8x16.splat (i32.const 0x0f)))
    (local.set $i (local.get $from))
    (loop $blocks
      (local.set $a0 (v128.const i64x2 0 0))
      (local.set $a1 (v128.const i64x2 0 0))
      (local.set $a (local.get $ins))
      (local.set $q (local.get $coef))
      (local.set $c (local.get $k))
      (loop $inputs
        (local.set $p (i32.add (i32.load (local.get $a)) (local.get $i)))
        (local.set $x (v128.load (local.get $p)))
        (local.set $l0 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h0 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $x (v128.load offset=16 (local.get $p)))
        (local.set $l1 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h1 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $t (i32.shl (i32.load8_u (local.get $q)) (i32.const 5)))
        (local.set $lo (v128.load (local.get $t)))
        (local.set $hi (v128.load offset=16 (local.get $t)))
        (local.set $a0
          (v128.xor (local.get $a0)
            (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0))
                      (i8x16.swizzle (local.get $hi) (local.get $h0)))))
        (local.set $a1
          (v128.xor (local.get $a1)
            (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1))
                      (i8x16.swizzle (local.get $hi) (local.get $h1)))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br_if $inputs (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
      (local.set $p (i32.add (i32.load (local.get $outs)) (local.get $i)))
      (v128.store (local.get $p) (local.get $a0))
      (v128.store offset=16 (local.get $p) (local.get $a1))
      (br_if $blocks (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 32))) (local.get $to)))))

  ;; out[r][from..to) = XOR over c of coef[r * k + c] · in[c][from..to), for r < m.
  (func (export "mulMatrix") (param $coef i32) (param $k i32) (param $m i32) (param $ins i32) (param $outs i32)
    (param $from i32) (param $to i32)
    (local $r i32)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (i32.add (local.get $r) (i32.const 1)) (local.get $m)))
        (call $rowPair (local.get $coef) (local.get $k) (local.get $ins) (local.get $outs) (local.get $from)
          (local.get $to))
        (local.set $coef (i32.add (local.get $coef) (i32.shl (local.get $k) (i32.const 1))))
        (local.set $outs (i32.add (local.get $outs) (i32.const 8)))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $rows)))
    (if (i32.lt_u (local.get $r) (local.get $m))
      (then
        (call $row (local.get $coef) (local.get $k) (local.get $ins) (local.get $outs) (local.get $from)
          (local.get $to))))))
