import { Alert, Descriptions, Flex, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useWords } from '../../lib/i18n';
import { admin } from './words';

// Letters and digits that cannot be read as one another (no 0/O, 1/l/I), for a password read out or typed.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * A password for someone else to use once (they must change it at their first sign-in): 16 characters from
 * the browser's cryptographic generator, about 92 bits, in groups of four to read out.
 */
export function generatePassword(): string {
  const chosen: string[] = [];
  const byte = new Uint8Array(1);
  // Bytes past the last whole multiple of the alphabet would favour its first letters.
  const limit = 256 - (256 % ALPHABET.length);
  while (chosen.length < 16) {
    crypto.getRandomValues(byte);
    if (byte[0]! < limit) chosen.push(ALPHABET[byte[0]! % ALPHABET.length]!);
  }
  return [0, 4, 8, 12].map((at) => chosen.slice(at, at + 4).join('')).join('-');
}

/** A secret as it is shown this once: said to be shown once, copyable, with what it is for. */
export function SecretOnce({
  title,
  hint,
  rows,
  children,
}: {
  title: string;
  hint: string;
  /** Label and value; the secret among them, marked `secret`. */
  rows: { label: string; value: string; secret?: boolean }[];
  children?: ReactNode;
}) {
  const a = useWords(admin);
  return (
    <Flex vertical gap={12} data-testid="secret-once">
      <Alert
        type="warning"
        showIcon
        title={title}
        description={
          <>
            {hint}
            <br />
            <strong>{a.shownOnce}</strong>
          </>
        }
        role="status"
      />
      <Descriptions
        column={1}
        size="small"
        bordered
        items={rows.map((row) => ({
          key: row.label,
          label: row.label,
          children: (
            <Typography.Text
              code
              copyable={{ text: row.value, tooltips: [a.copy, a.copied] }}
              data-testid={row.secret ? 'secret' : undefined}
              style={{ wordBreak: 'break-all' }}
            >
              {row.value}
            </Typography.Text>
          ),
        }))}
      />
      {children}
    </Flex>
  );
}
