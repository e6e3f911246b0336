// CSV that Excel opens correctly: UTF-8 with a byte-order mark, CRLF lines, and
// text columns (codes, phones) written as ="..." so Excel keeps leading zeros
// and never turns 13812345678 into 1.38E+10.

function cell(value, asText) {
  if (value == null) return "";
  let s = String(value);
  if (asText && s !== "") return '"=""' + s.replace(/"/g, '""""') + '"""';
  // A leading =, +, - or @ would be a formula in Excel (CSV injection).
  if (/^[=+\-@]/.test(s) && !/^-?\d/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/** The CSV text (with BOM) of `rows` under `columns` [{title, value(row), text}]. */
export function toCsv(columns, rows) {
  const lines = [columns.map((c) => cell(c.title, false)).join(",")];
  for (const row of rows) lines.push(columns.map((c) => cell(c.csv ? c.csv(row) : c.value(row), c.text)).join(","));
  return "\ufeff" + lines.join("\r\n") + "\r\n";
}

export function download(filename, columns, rows) {
  const blob = new Blob([toCsv(columns, rows)], { type: "text/csv;charset=utf-8" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = filename.endsWith(".csv") ? filename : filename + ".csv";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
