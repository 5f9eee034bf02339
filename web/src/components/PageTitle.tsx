import { Typography } from 'antd';

/** A page's heading and the line under it that says what the page is for. */
export function PageTitle({ title, subtitle }: { title: string; subtitle?: string }) {
  return (
    <div>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
        {title}
      </Typography.Title>
      {subtitle && <Typography.Text type="secondary">{subtitle}</Typography.Text>}
    </div>
  );
}
