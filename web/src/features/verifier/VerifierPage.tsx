import { useQuery } from '@tanstack/react-query';
import { Flex } from 'antd';
import { useEffect, useRef } from 'react';
import { mountVerifier } from '../../../verifier/app';
import '../../../verifier/verifier.css';
import { LanguageSwitch } from '../../components/LanguageSwitch';
import { api, ok } from '../../lib/api';
import { useLang } from '../../lib/i18n';

/**
 * The offline verifier inside the console, open to anyone (it asks the server nothing but the log's public
 * key, offered as a start): the same page as the downloadable file, which it links to.
 */
export default function VerifierPage() {
  const { lang } = useLang();
  const root = useRef<HTMLDivElement>(null);
  const key = useQuery({ queryKey: ['ledger', 'key'], queryFn: () => ok(api.GET('/ledger/key')), retry: false });
  const settled = !key.isPending;
  useEffect(() => {
    if (settled && root.current) {
      mountVerifier(root.current, { lang, logKey: key.data?.verifierKey, downloadHref: '/verifier.html' });
    }
  }, [settled, lang, key.data]);
  return (
    <Flex vertical style={{ minHeight: '100vh', background: '#fff' }}>
      <Flex justify="end" style={{ padding: '12px 16px 0' }}>
        <LanguageSwitch />
      </Flex>
      <div ref={root} />
    </Flex>
  );
}
