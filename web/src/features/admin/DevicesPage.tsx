import { Button, Flex, Form, Input, Modal, Popconfirm, Segmented, Select, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { tones } from '../../lib/tones';
import {
  useDevices,
  useDisableDevice,
  useLocations,
  useRegisterDevice,
  useRotateDevicePassword,
  type Device,
  type DeviceWithPassword,
  type NewDevice,
} from './api';
import { DeviceCredentials } from './DeviceCredentials';
import { words } from './devices.words';
import { FormDialog, showFieldErrors } from './dialog';
import { admin } from './words';

type Kind = NewDevice['kind'];
type Mode = NonNullable<NewDevice['mode']>;
const MODES = Object.keys({ check_in: 1, check_out: 1, audit: 1 } satisfies Record<Mode, 1>) as Mode[];
const CODE = /^[A-Z0-9][A-Z0-9._-]{0,39}$/;

interface Values {
  code: string;
  kind: Kind;
  mode?: Mode;
  locationCode?: string;
}

/** Registers a scanner or a locker; its password is then shown this once, with its QR code. */
function RegisterDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const w = useWords(words);
  const a = useWords(admin);
  const [form] = Form.useForm<Values>();
  const kind = Form.useWatch('kind', form) ?? 'scanner';
  const locations = useLocations();
  const register = useRegisterDevice();
  const close = () => {
    form.resetFields();
    register.reset();
    onClose();
  };
  const places = (locations.data ?? []).filter((l) => kind === 'scanner' || l.kind === 'locker');
  const submit = (v: Values) =>
    register.mutate(
      {
        code: v.code.trim(),
        kind: v.kind,
        ...(v.kind === 'scanner' && v.mode ? { mode: v.mode } : {}),
        ...(v.locationCode ? { locationCode: v.locationCode } : {}),
      },
      { onError: (error) => showFieldErrors(form, error) },
    );
  return (
    <FormDialog
      open={open}
      title={w.registerTitle}
      action={w.register}
      form={form}
      pending={register.isPending}
      error={register.error}
      onClose={close}
      done={register.data && <DeviceCredentials device={register.data} />}
    >
      <Form<Values>
        form={form}
        layout="vertical"
        requiredMark={false}
        initialValues={{ kind: 'scanner', mode: 'check_in' }}
        onFinish={submit}
        onValuesChange={() => register.error && register.reset()}
      >
        <Form.Item
          name="code"
          label={w.code}
          extra={w.codeHint}
          rules={[
            { required: true, whitespace: true, message: a.required },
            { pattern: CODE, message: w.codeFormat },
          ]}
        >
          <Input autoComplete="off" maxLength={40} autoFocus />
        </Form.Item>
        <Form.Item name="kind" label={w.kind}>
          <Segmented<Kind>
            options={(['scanner', 'locker'] as const).map((k) => ({ value: k, label: a[`deviceKind_${k}`] }))}
          />
        </Form.Item>
        {kind === 'scanner' && (
          <Form.Item name="mode" label={w.mode} rules={[{ required: true, message: w.modeRequired }]}>
            <Segmented<Mode> options={MODES.map((m) => ({ value: m, label: a[`mode_${m}`] }))} />
          </Form.Item>
        )}
        <Form.Item
          name="locationCode"
          label={kind === 'scanner' ? w.location : w.lockerLocation}
          extra={w.locationHint}
        >
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            loading={locations.isPending}
            options={places.map((l) => ({ value: l.code, label: `${l.code} ${l.name}` }))}
          />
        </Form.Item>
      </Form>
    </FormDialog>
  );
}

/** Rotating a device's password or disabling it, each confirmed first. */
function DeviceActions({ device, onRotated }: { device: Device; onRotated: (d: DeviceWithPassword) => void }) {
  const w = useWords(words);
  const a = useWords(admin);
  const rotate = useRotateDevicePassword();
  const disable = useDisableDevice();
  const error = rotate.error ?? disable.error;
  return (
    <Flex vertical gap={4}>
      <Flex gap={8} wrap align="center">
        {device.active && (
          <>
            <Popconfirm
              title={w.rotateConfirm(device.code)}
              okText={w.rotate}
              cancelText={a.cancel}
              onConfirm={() => rotate.mutateAsync(device.id).then(onRotated, () => undefined)}
            >
              <Button size="small" loading={rotate.isPending}>
                {w.rotate}
              </Button>
            </Popconfirm>
            <Popconfirm
              title={w.disableConfirm(device.code)}
              okText={w.disable}
              cancelText={a.cancel}
              okButtonProps={{ danger: true }}
              onConfirm={() => disable.mutateAsync(device.id).catch(() => undefined)}
            >
              <Button size="small" danger loading={disable.isPending}>
                {w.disable}
              </Button>
            </Popconfirm>
          </>
        )}
        <Link to={`/admin/log?subject=${device.id}`}>{a.history}</Link>
      </Flex>
      {error && (
        <ProblemAlert
          error={error}
          onClose={() => {
            rotate.reset();
            disable.reset();
          }}
        />
      )}
    </Flex>
  );
}

/** Every device: where it stands, whether it is connected and when it was last heard; registered and managed here. */
export default function DevicesPage() {
  const w = useWords(words);
  const a = useWords(admin);
  const { lang } = useLang();
  const devices = useDevices();
  const locations = useLocations();
  const [registering, setRegistering] = useState(false);
  const [rotated, setRotated] = useState<DeviceWithPassword>();
  const place = new Map(locations.data?.map((l) => [l.id, l]));
  return (
    <Flex vertical gap={16}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      <Flex justify="space-between" align="center">
        <Typography.Text type="secondary">{devices.data && w.count(devices.data.total)}</Typography.Text>
        <Button type="primary" onClick={() => setRegistering(true)}>
          {w.register}
        </Button>
      </Flex>
      {devices.error ? (
        <ProblemAlert error={devices.error} />
      ) : (
        <Table<Device>
          rowKey="id"
          size="middle"
          loading={devices.isPending}
          dataSource={devices.data?.items}
          pagination={false}
          scroll={{ x: 1000 }}
          locale={{ emptyText: <Typography.Text type="secondary">{w.none}</Typography.Text> }}
          columns={[
            { key: 'code', title: w.code, dataIndex: 'code', width: 160 },
            {
              key: 'kind',
              title: w.kind,
              width: 150,
              render: (_, d) => (
                <>
                  {a[`deviceKind_${d.kind}`]}
                  {d.mode && <Typography.Text type="secondary"> · {a[`mode_${d.mode}`]}</Typography.Text>}
                </>
              ),
            },
            {
              key: 'location',
              title: w.location,
              width: 170,
              render: (_, d) => d.locationId && (place.get(d.locationId)?.code ?? ''),
            },
            {
              key: 'state',
              title: w.state,
              width: 150,
              render: (_, d) => (
                <Flex gap={4} wrap data-testid="device-state">
                  {d.active ? (
                    <Tag style={d.online ? tones.green : undefined}>{d.online ? w.online : w.offline}</Tag>
                  ) : (
                    <Tag style={tones.red}>{w.disabled}</Tag>
                  )}
                </Flex>
              ),
            },
            {
              key: 'lastSeen',
              title: w.lastSeen,
              width: 170,
              render: (_, d) => (d.lastSeenAt ? formatTime(d.lastSeenAt, lang) : w.never),
            },
            {
              key: 'actions',
              title: a.actions,
              width: 240,
              render: (_, d) => <DeviceActions device={d} onRotated={setRotated} />,
            },
          ]}
        />
      )}
      <RegisterDialog open={registering} onClose={() => setRegistering(false)} />
      <Modal
        open={!!rotated}
        title={w.rotate}
        onCancel={() => setRotated(undefined)}
        destroyOnHidden
        maskClosable={false}
        footer={
          <Button type="primary" onClick={() => setRotated(undefined)}>
            {a.close}
          </Button>
        }
      >
        {rotated && <DeviceCredentials device={rotated} />}
      </Modal>
    </Flex>
  );
}
