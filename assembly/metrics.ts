// Classification read-outs over R rows of C scores. Ties go to the lowest index, as in torch.argmax.
import { f32at } from "./simd";

// @ts-ignore: decorator
@inline function argmaxRow(row: usize, C: i32): i32 {
  let best = 0;
  let bestValue = f32at(row, 0);
  for (let c = 1; c < C; c++) {
    const v = f32at(row, c);
    if (v > bestValue) { best = c; bestValue = v; }
  }
  return best;
}

// out (R) i32 = index of each row's largest score.
export function argmaxRows(outPtr: usize, inpPtr: usize, R: i32, C: i32): void {
  for (let r = 0; r < R; r++) store<i32>(outPtr + (<usize>r << 2), argmaxRow(inpPtr + (<usize>r * C << 2), C));
}

// Number of rows whose largest score is at the row's label.
export function countCorrect(scoresPtr: usize, labelsPtr: usize, R: i32, C: i32): i32 {
  let correct = 0;
  for (let r = 0; r < R; r++) {
    if (argmaxRow(scoresPtr + (<usize>r * C << 2), C) == load<i32>(labelsPtr + (<usize>r << 2))) correct++;
  }
  return correct;
}
