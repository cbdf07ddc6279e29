/** Timestamped lines on stderr, so stdout stays free for results and --json. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export function createLogger(
  prefix: string,
  stream: NodeJS.WritableStream = process.stderr,
): Logger {
  const line = (level: string, message: string): void => {
    stream.write(`${new Date().toISOString()} ${level} [${prefix}] ${message}\n`);
  };
  return { info: (m) => line('info', m), warn: (m) => line('warn', m) };
}
