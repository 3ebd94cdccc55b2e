;; kernels.wat: WebAssembly SIMD (two float64 lanes) versions of grubptt.js's hottest loops.
;;
;; Compiled by web/build_kernels.js (the npm package wabt, pinned in package-lock.json) into
;; web/kernels.js, which embeds the bytes (base64) so that the page also works from file://.
;; grubptt.js uses these kernels when they load and its own plain loops otherwise; both give the
;; same bits (tests/test_web_kernels.py), because every sum here adds the same products in the
;; same order as the JavaScript: the two lanes are two different outputs, never two halves of
;; one sum, and there is no fused multiply-add.
;;
;; All pointers are byte offsets into the module's memory; matrices are row-major float64.

(module
  (memory (export "memory") 16)

  ;; out[j] = Σ_k v[k] · M[k][j] for j < n, the sum over k = 0..K−1 in order (row vector times
  ;; matrix, M K×n).  grubptt.js's matVec on Mᵀ, i.e. h U, h [Uz | Ur], (δ…) Uᵀ with Uᵀ stored.
  ;; Eight columns per pass over M (four accumulators of two lanes), then pairs, then one.
  (func $vecmat (export "vecmat")
    (param $out i32) (param $v i32) (param $m i32) (param $K i32) (param $n i32)
    (local $j i32) (local $k i32) (local $p i32) (local $stride i32) (local $a v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $x f64)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    ;; columns j..j+7
    (block $done8
      (loop $cols8
        (br_if $done8 (i32.gt_s (i32.add (local.get $j) (i32.const 8)) (local.get $n)))
        (local.set $s0 (v128.const f64x2 0 0)) (local.set $s1 (v128.const f64x2 0 0))
        (local.set $s2 (v128.const f64x2 0 0)) (local.set $s3 (v128.const f64x2 0 0))
        (local.set $p (i32.add (local.get $m) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $k (i32.const 0))
        (block $end
          (loop $rows
            (br_if $end (i32.ge_s (local.get $k) (local.get $K)))
            (local.set $a (v128.load64_splat (i32.add (local.get $v) (i32.shl (local.get $k) (i32.const 3)))))
            (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (v128.load offset=0 (local.get $p)) (local.get $a))))
            (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (v128.load offset=16 (local.get $p)) (local.get $a))))
            (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (v128.load offset=32 (local.get $p)) (local.get $a))))
            (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (v128.load offset=48 (local.get $p)) (local.get $a))))
            (local.set $p (i32.add (local.get $p) (local.get $stride)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $rows)))
        (local.set $p (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))))
        (v128.store offset=0 (local.get $p) (local.get $s0))
        (v128.store offset=16 (local.get $p) (local.get $s1))
        (v128.store offset=32 (local.get $p) (local.get $s2))
        (v128.store offset=48 (local.get $p) (local.get $s3))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $cols8)))
    ;; columns j, j+1
    (block $done2
      (loop $cols2
        (br_if $done2 (i32.gt_s (i32.add (local.get $j) (i32.const 2)) (local.get $n)))
        (local.set $s0 (v128.const f64x2 0 0))
        (local.set $p (i32.add (local.get $m) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $k (i32.const 0))
        (block $end
          (loop $rows
            (br_if $end (i32.ge_s (local.get $k) (local.get $K)))
            (local.set $s0 (f64x2.add (local.get $s0)
              (f64x2.mul (v128.load (local.get $p))
                         (v128.load64_splat (i32.add (local.get $v) (i32.shl (local.get $k) (i32.const 3)))))))
            (local.set $p (i32.add (local.get $p) (local.get $stride)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $rows)))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))) (local.get $s0))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $cols2)))
    ;; the last column of an odd n
    (if (i32.lt_s (local.get $j) (local.get $n))
      (then
        (local.set $x (f64.const 0))
        (local.set $p (i32.add (local.get $m) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $k (i32.const 0))
        (block $end
          (loop $rows
            (br_if $end (i32.ge_s (local.get $k) (local.get $K)))
            (local.set $x (f64.add (local.get $x)
              (f64.mul (f64.load (local.get $p))
                       (f64.load (i32.add (local.get $v) (i32.shl (local.get $k) (i32.const 3)))))))
            (local.set $p (i32.add (local.get $p) (local.get $stride)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $rows)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))) (local.get $x)))))

  ;; vecmat for two row vectors at once (the two error signals of the Explore BPTT): one pass over
  ;; M; out1 = v1 M, out2 = v2 M.  Four columns per pass (two accumulators per signal).
  (func $vecmat2 (export "vecmat2")
    (param $out1 i32) (param $out2 i32) (param $v1 i32) (param $v2 i32) (param $m i32) (param $K i32) (param $n i32)
    (local $j i32) (local $k i32) (local $p i32) (local $q i32) (local $stride i32)
    (local $a v128) (local $b v128) (local $m0 v128) (local $m1 v128)
    (local $s0 v128) (local $s1 v128) (local $t0 v128) (local $t1 v128) (local $x f64) (local $y f64)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    (block $done4
      (loop $cols4
        (br_if $done4 (i32.gt_s (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
        (local.set $s0 (v128.const f64x2 0 0)) (local.set $s1 (v128.const f64x2 0 0))
        (local.set $t0 (v128.const f64x2 0 0)) (local.set $t1 (v128.const f64x2 0 0))
        (local.set $p (i32.add (local.get $m) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $k (i32.const 0))
        (block $end
          (loop $rows
            (br_if $end (i32.ge_s (local.get $k) (local.get $K)))
            (local.set $q (i32.shl (local.get $k) (i32.const 3)))
            (local.set $a (v128.load64_splat (i32.add (local.get $v1) (local.get $q))))
            (local.set $b (v128.load64_splat (i32.add (local.get $v2) (local.get $q))))
            (local.set $m0 (v128.load offset=0 (local.get $p)))
            (local.set $m1 (v128.load offset=16 (local.get $p)))
            (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $m0) (local.get $a))))
            (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (local.get $m1) (local.get $a))))
            (local.set $t0 (f64x2.add (local.get $t0) (f64x2.mul (local.get $m0) (local.get $b))))
            (local.set $t1 (f64x2.add (local.get $t1) (f64x2.mul (local.get $m1) (local.get $b))))
            (local.set $p (i32.add (local.get $p) (local.get $stride)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $rows)))
        (local.set $q (i32.shl (local.get $j) (i32.const 3)))
        (v128.store offset=0 (i32.add (local.get $out1) (local.get $q)) (local.get $s0))
        (v128.store offset=16 (i32.add (local.get $out1) (local.get $q)) (local.get $s1))
        (v128.store offset=0 (i32.add (local.get $out2) (local.get $q)) (local.get $t0))
        (v128.store offset=16 (i32.add (local.get $out2) (local.get $q)) (local.get $t1))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $cols4)))
    ;; the last n mod 4 columns, one at a time
    (block $done1
      (loop $cols1
        (br_if $done1 (i32.ge_s (local.get $j) (local.get $n)))
        (local.set $x (f64.const 0)) (local.set $y (f64.const 0))
        (local.set $p (i32.add (local.get $m) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $k (i32.const 0))
        (block $end
          (loop $rows
            (br_if $end (i32.ge_s (local.get $k) (local.get $K)))
            (local.set $q (i32.shl (local.get $k) (i32.const 3)))
            (local.set $x (f64.add (local.get $x) (f64.mul (f64.load (local.get $p)) (f64.load (i32.add (local.get $v1) (local.get $q))))))
            (local.set $y (f64.add (local.get $y) (f64.mul (f64.load (local.get $p)) (f64.load (i32.add (local.get $v2) (local.get $q))))))
            (local.set $p (i32.add (local.get $p) (local.get $stride)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $rows)))
        (local.set $q (i32.shl (local.get $j) (i32.const 3)))
        (f64.store (i32.add (local.get $out1) (local.get $q)) (local.get $x))
        (f64.store (i32.add (local.get $out2) (local.get $q)) (local.get $y))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cols1))))

  ;; The two passes of one Householder step of grubptt.js's singularValues (A n×n row-major),
  ;; columns c0..n−1 two at a time, then the last one alone when n − c0 is odd.
  ;;
  ;; colcomb: w[c0..n) = Σ_{i in lo..hi) v_i A[i][c0..n), rows four at a time and then one at a
  ;; time, each group added to w as w_j + (((v_i A_ij + v_i+1 A_i+1,j) + v_i+2 A_i+2,j) + v_i+3 A_i+3,j),
  ;; as columnCombination does.
  (func $colcomb (export "colcomb")
    (param $w i32) (param $A i32) (param $n i32) (param $v i32) (param $lo i32) (param $hi i32) (param $c0 i32)
    (local $i i32) (local $j i32) (local $r i32) (local $stride i32) (local $pw i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    (memory.fill (i32.add (local.get $w) (i32.shl (local.get $c0) (i32.const 3))) (i32.const 0)
                 (i32.shl (i32.sub (local.get $n) (local.get $c0)) (i32.const 3)))
    (local.set $i (local.get $lo))
    (block $done4 (loop $rows4
      (br_if $done4 (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $hi)))
      (local.set $r (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3))))
      (local.set $v0 (v128.load64_splat offset=0 (local.get $r)))
      (local.set $v1 (v128.load64_splat offset=8 (local.get $r)))
      (local.set $v2 (v128.load64_splat offset=16 (local.get $r)))
      (local.set $v3 (v128.load64_splat offset=24 (local.get $r)))
      (local.set $j (local.get $c0))
      (local.set $r (i32.add (local.get $A) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3))))
      (local.set $pw (i32.add (local.get $w) (i32.shl (local.get $j) (i32.const 3))))
      (block $end (loop $cols
        (br_if $end (i32.gt_s (i32.add (local.get $j) (i32.const 2)) (local.get $n)))
        (v128.store (local.get $pw)
          (f64x2.add (v128.load (local.get $pw))
            (f64x2.add
              (f64x2.add
                (f64x2.add
                  (f64x2.mul (local.get $v0) (v128.load (local.get $r)))
                  (f64x2.mul (local.get $v1) (v128.load (i32.add (local.get $r) (local.get $stride)))))
                (f64x2.mul (local.get $v2) (v128.load (i32.add (local.get $r) (i32.shl (local.get $stride) (i32.const 1))))))
              (f64x2.mul (local.get $v3) (v128.load (i32.add (local.get $r) (i32.mul (local.get $stride) (i32.const 3))))))))
        (local.set $r (i32.add (local.get $r) (i32.const 16)))
        (local.set $pw (i32.add (local.get $pw) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $cols)))
      (if (i32.lt_s (local.get $j) (local.get $n))           ;; the last column alone
        (then
          (f64.store (local.get $pw)
            (f64.add (f64.load (local.get $pw))
              (f64.add
                (f64.add
                  (f64.add
                    (f64.mul (f64x2.extract_lane 0 (local.get $v0)) (f64.load (local.get $r)))
                    (f64.mul (f64x2.extract_lane 0 (local.get $v1)) (f64.load (i32.add (local.get $r) (local.get $stride)))))
                  (f64.mul (f64x2.extract_lane 0 (local.get $v2)) (f64.load (i32.add (local.get $r) (i32.shl (local.get $stride) (i32.const 1))))))
                (f64.mul (f64x2.extract_lane 0 (local.get $v3)) (f64.load (i32.add (local.get $r) (i32.mul (local.get $stride) (i32.const 3))))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $rows4)))
    (block $done1 (loop $rows1
      (br_if $done1 (i32.ge_s (local.get $i) (local.get $hi)))
      (local.set $v0 (v128.load64_splat (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $j (local.get $c0))
      (local.set $r (i32.add (local.get $A) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3))))
      (local.set $pw (i32.add (local.get $w) (i32.shl (local.get $j) (i32.const 3))))
      (block $end (loop $cols
        (br_if $end (i32.gt_s (i32.add (local.get $j) (i32.const 2)) (local.get $n)))
        (v128.store (local.get $pw)
          (f64x2.add (v128.load (local.get $pw)) (f64x2.mul (local.get $v0) (v128.load (local.get $r)))))
        (local.set $r (i32.add (local.get $r) (i32.const 16)))
        (local.set $pw (i32.add (local.get $pw) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $cols)))
      (if (i32.lt_s (local.get $j) (local.get $n))
        (then
          (f64.store (local.get $pw)
            (f64.add (f64.load (local.get $pw)) (f64.mul (f64x2.extract_lane 0 (local.get $v0)) (f64.load (local.get $r)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows1))))

  ;; rank2: rows i = c0..n−1, columns c0..n−1 of A: A_i −= f v_i w + s_i u, where
  ;; s_i = g (A_i · u − f v_i wu) (0 when g = 0), the dot summed over j in order; as grubptt.js's
  ;; rank2Update.  Rows two at a time (the dot's two lanes are the two rows), then the last alone.
  ;; The dot and the update loops are written out here, not called (V8 does not inline calls
  ;; between WebAssembly functions; written out, 40 step Jacobians' singular values took 3 % less).
  (func $rank2 (export "rank2")
    (param $A i32) (param $n i32) (param $c0 i32) (param $f f64) (param $v i32) (param $w i32)
    (param $g f64) (param $u i32) (param $wu f64)
    (local $i i32) (local $r i32) (local $stride i32) (local $fv v128) (local $s v128)
    (local $j i32) (local $m i32) (local $a i32) (local $pw i32) (local $pu i32) (local $last i32)
    (local $F0 v128) (local $S0 v128) (local $F1 v128) (local $S1 v128) (local $W v128) (local $U v128)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    (local.set $m (i32.sub (local.get $n) (local.get $c0)))
    (local.set $i (local.get $c0))
    (block $done (loop $rows
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      ;; the last row alone: its row read twice (lane 1 = lane 0), written once
      (local.set $last (i32.eq (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
      (local.set $r (i32.add (local.get $A) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $c0)) (i32.const 3))))
      ;; fv = f · [v_i, v_i+1];  s = g ([A_i · u, A_i+1 · u] − fv wu)
      (local.set $fv (f64x2.mul (f64x2.splat (local.get $f))
                                (if (result v128) (local.get $last)
                                  (then (v128.load64_splat (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3)))))
                                  (else (v128.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3))))))))
      (local.set $s (v128.const f64x2 0 0))
      (if (f64.ne (local.get $g) (f64.const 0))
        (then
          ;; [A_i · u, A_i+1 · u], each summed over j in order
          (local.set $a (local.get $r))
          (local.set $pu (i32.add (local.get $u) (i32.shl (local.get $c0) (i32.const 3))))
          (local.set $j (i32.const 0))
          (block $end (loop $dot
            (br_if $end (i32.ge_s (local.get $j) (local.get $m)))
            (local.set $s (f64x2.add (local.get $s)
              (f64x2.mul (v128.load64_lane 1 (i32.add (local.get $a) (if (result i32) (local.get $last) (then (i32.const 0)) (else (local.get $stride))))
                                             (v128.load64_splat (local.get $a)))
                         (v128.load64_splat (local.get $pu)))))
            (local.set $a (i32.add (local.get $a) (i32.const 8)))
            (local.set $pu (i32.add (local.get $pu) (i32.const 8)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $dot)))
          (local.set $s (f64x2.mul (f64x2.splat (local.get $g))
                                   (f64x2.sub (local.get $s) (f64x2.mul (local.get $fv) (f64x2.splat (local.get $wu))))))))
      ;; a_j −= fv w_j + s u_j along both rows, two columns at a time, an odd last column alone
      (local.set $F0 (f64x2.splat (f64x2.extract_lane 0 (local.get $fv))))
      (local.set $S0 (f64x2.splat (f64x2.extract_lane 0 (local.get $s))))
      (local.set $F1 (f64x2.splat (f64x2.extract_lane 1 (local.get $fv))))
      (local.set $S1 (f64x2.splat (f64x2.extract_lane 1 (local.get $s))))
      (local.set $a (local.get $r))
      (local.set $pw (i32.add (local.get $w) (i32.shl (local.get $c0) (i32.const 3))))
      (local.set $pu (i32.add (local.get $u) (i32.shl (local.get $c0) (i32.const 3))))
      (local.set $j (i32.const 0))
      (block $end (loop $cols
        (br_if $end (i32.gt_s (i32.add (local.get $j) (i32.const 2)) (local.get $m)))
        (local.set $W (v128.load (local.get $pw)))
        (local.set $U (v128.load (local.get $pu)))
        (v128.store (local.get $a)
          (f64x2.sub (v128.load (local.get $a))
                     (f64x2.add (f64x2.mul (local.get $F0) (local.get $W)) (f64x2.mul (local.get $S0) (local.get $U)))))
        (if (i32.eqz (local.get $last))
          (then
            (v128.store (i32.add (local.get $a) (local.get $stride))
              (f64x2.sub (v128.load (i32.add (local.get $a) (local.get $stride)))
                         (f64x2.add (f64x2.mul (local.get $F1) (local.get $W)) (f64x2.mul (local.get $S1) (local.get $U)))))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $pw (i32.add (local.get $pw) (i32.const 16)))
        (local.set $pu (i32.add (local.get $pu) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $cols)))
      (if (i32.lt_s (local.get $j) (local.get $m))
        (then
          (f64.store (local.get $a)
            (f64.sub (f64.load (local.get $a))
                     (f64.add (f64.mul (f64x2.extract_lane 0 (local.get $fv)) (f64.load (local.get $pw)))
                              (f64.mul (f64x2.extract_lane 0 (local.get $s)) (f64.load (local.get $pu))))))
          (if (i32.eqz (local.get $last))
            (then
              (f64.store (i32.add (local.get $a) (local.get $stride))
                (f64.sub (f64.load (i32.add (local.get $a) (local.get $stride)))
                         (f64.add (f64.mul (f64x2.extract_lane 1 (local.get $fv)) (f64.load (local.get $pw)))
                                  (f64.mul (f64x2.extract_lane 1 (local.get $s)) (f64.load (local.get $pu))))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $rows))))

  ;; e^x in both lanes (written out in $act below), as grubptt.js's `exp`: the same operations in
  ;; the same order, so the same bits.  x clamped to [-745.2, 709.7] (beyond, e^x is 0 or inf in float64 anyway; the clamp
  ;; keeps the scale factors finite), k = floor(x log2(e) + 1/2), r = x - k ln2 (ln2 in two parts:
  ;; k LN2_HI is exact), e^r by its Taylor polynomial to r^13/13! (|r| <= 0.35: the next term is
  ;; < 4e-18 of it), then times 2^k as 2^floor(k/2) 2^(k - floor(k/2)), each factor a normal
  ;; float64 built from its exponent bits (a result below 2^-1022 is rounded once, by the last product):
  ;; j + 1023 + 1.5·2^52 holds j + 1023 in its lowest bits, which a shift by 52 moves into the exponent.
  ;;
  ;; out[i] = σ(a[i]) = 1 / (1 + e^(−a[i])) (kind 0: the gates) or tanh(a[i]) = 1 − 2 / (e^(2a[i]) + 1)
  ;; (kind 1: ĥ, grubptt's tanh_via_exp, to 4e-16 absolute) for i < n, two at a time, an odd last one
  ;; alone (loaded into both lanes).  e^x is written out here rather than called: V8 does not
  ;; inline calls between WebAssembly functions, and three calls per pair cost more than the work.
  (func $act (export "act") (param $out i32) (param $a i32) (param $n i32) (param $kind i32)
    (local $i i32) (local $x v128) (local $k v128) (local $r v128) (local $p v128) (local $k1 v128)
    (local $r2 v128) (local $r4 v128)
    (block $end (loop $pairs
      (br_if $end (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $x (if (result v128) (i32.lt_s (i32.add (local.get $i) (i32.const 1)) (local.get $n))
                      (then (v128.load (local.get $a)))
                      (else (v128.load64_splat (local.get $a)))))
      (local.set $x (if (result v128) (local.get $kind)
                      (then (f64x2.add (local.get $x) (local.get $x)))
                      (else (f64x2.neg (local.get $x)))))
        (local.set $x (f64x2.pmin (f64x2.pmax (local.get $x) (v128.const f64x2 -745.2 -745.2))
                                  (v128.const f64x2 709.7 709.7)))   ;; (pmin, pmax: as Math.min, max here, NaN kept)
        (local.set $k (f64x2.floor (f64x2.add (f64x2.mul (local.get $x) (v128.const f64x2 1.4426950408889634 1.4426950408889634))
                                              (v128.const f64x2 0.5 0.5))))
        (local.set $r (f64x2.sub (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (v128.const f64x2 0.6931471803691238 0.6931471803691238)))
                                 (f64x2.mul (local.get $k) (v128.const f64x2 1.9082149292705877e-10 1.9082149292705877e-10))))
        ;; e^r = Σ r^i/i!, i = 0..13, by Estrin's scheme: pairs c_i + c_(i+1) r, then pairs of those
        ;; with r², r⁴, r⁸ (a chain of four multiply-adds, where Horner's rule waits on thirteen)
        (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
        (local.set $r4 (f64x2.mul (local.get $r2) (local.get $r2)))
        (local.set $p
          (f64x2.add (f64x2.add (f64x2.add (v128.const f64x2 1 1) (f64x2.mul (v128.const f64x2 1 1) (local.get $r))) (f64x2.mul (f64x2.add (v128.const f64x2 0.5 0.5) (f64x2.mul (v128.const f64x2 0.16666666666666666 0.16666666666666666) (local.get $r))) (local.get $r2))) (f64x2.mul (f64x2.add (f64x2.add (v128.const f64x2 0.041666666666666664 0.041666666666666664) (f64x2.mul (v128.const f64x2 0.008333333333333333 0.008333333333333333) (local.get $r))) (f64x2.mul (f64x2.add (v128.const f64x2 0.001388888888888889 0.001388888888888889) (f64x2.mul (v128.const f64x2 1.984126984126984e-4 1.984126984126984e-4) (local.get $r))) (local.get $r2))) (local.get $r4)))
        )
        (local.set $p (f64x2.add (local.get $p) (f64x2.mul (f64x2.mul (local.get $r4) (local.get $r4))
          (f64x2.add (f64x2.add (f64x2.add (v128.const f64x2 2.48015873015873e-5 2.48015873015873e-5) (f64x2.mul (v128.const f64x2 2.7557319223985893e-6 2.7557319223985893e-6) (local.get $r))) (f64x2.mul (f64x2.add (v128.const f64x2 2.755731922398589e-7 2.755731922398589e-7) (f64x2.mul (v128.const f64x2 2.505210838544172e-8 2.505210838544172e-8) (local.get $r))) (local.get $r2))) (f64x2.mul (f64x2.add (v128.const f64x2 2.08767569878681e-9 2.08767569878681e-9) (f64x2.mul (v128.const f64x2 1.6059043836821613e-10 1.6059043836821613e-10) (local.get $r))) (local.get $r4))))))
        (local.set $k1 (f64x2.floor (f64x2.mul (local.get $k) (v128.const f64x2 0.5 0.5))))
        (local.set $x (f64x2.mul (f64x2.mul (local.get $p)
          (i64x2.shl (f64x2.add (local.get $k1) (v128.const f64x2 6755399441056767 6755399441056767)) (i32.const 52)))
          (i64x2.shl (f64x2.add (f64x2.sub (local.get $k) (local.get $k1)) (v128.const f64x2 6755399441056767 6755399441056767))
                     (i32.const 52))))
      (local.set $x (if (result v128) (local.get $kind)
                      (then (f64x2.sub (v128.const f64x2 1 1)
                                       (f64x2.div (v128.const f64x2 2 2) (f64x2.add (local.get $x) (v128.const f64x2 1 1)))))
                      (else (f64x2.div (v128.const f64x2 1 1) (f64x2.add (v128.const f64x2 1 1) (local.get $x))))))
      (if (i32.lt_s (i32.add (local.get $i) (i32.const 1)) (local.get $n))
        (then (v128.store (local.get $out) (local.get $x)))
        (else (f64.store (local.get $out) (f64x2.extract_lane 0 (local.get $x)))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $pairs))))
)
