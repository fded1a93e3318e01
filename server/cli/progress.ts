// Progress for long commands: a redrawn bar on a terminal, occasional plain lines otherwise (CI logs).

export function renderProgress(label: string, unit: string): (done: number, total: number) => void {
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  return (done, total) => {
    const share = total ? done / total : 1;
    if (tty) {
      const width = 30;
      const filled = Math.round(share * width);
      process.stderr.write(
        `\r${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} ${unit}`,
      );
      if (done >= total) process.stderr.write("\n");
      return;
    }
    const now = Date.now();
    if (done >= total || now - lastLine > 5000) {
      lastLine = now;
      process.stderr.write(`${label}: ${done}/${total} ${unit} (${Math.round(share * 100)}%)\n`);
    }
  };
}
