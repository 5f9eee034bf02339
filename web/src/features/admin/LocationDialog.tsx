import { Alert, Checkbox, Form, Input, InputNumber, Select } from 'antd';
import { CATEGORIES, type Category } from '../../../../src/custody/items/item-kinds';
import { useAgencies } from '../../lib/agencies';
import { useWords } from '../../lib/i18n';
import { common } from '../../lib/words';
import {
  useChangeLocation,
  useCreateLocation,
  useLocation,
  type Location,
  type LocationChange,
  type LocationKind,
} from './api';
import { FormDialog, showFieldErrors } from './dialog';
import { words } from './locations.words';
import { admin } from './words';

export type Feature = NonNullable<LocationChange['features']>[number];
export const FEATURES = Object.keys({ safe: 1, cold: 1, armory: 1, hazmat: 1 } satisfies Record<
  Feature,
  1
>) as Feature[];

// What may sit inside what, as the server decides it (src/custody/directory/locations.ts): only a site stands
// alone, a place goes inside a place of a larger kind, and a compartment inside a locker. The first kind that
// fits is offered first (a room in a zone, a shelf in a room).
const RANK = { site: 0, zone: 1, room: 2, shelf: 3, locker: 3, bin: 4, compartment: 4 } satisfies Record<
  LocationKind,
  number
>;
export const LOCATION_KINDS = Object.keys(RANK) as LocationKind[];

export function kindsInside(parent: Location | null): LocationKind[] {
  if (!parent) return ['site'];
  return LOCATION_KINDS.filter(
    (kind) => RANK[kind] > RANK[parent.kind as LocationKind] && (kind !== 'compartment' || parent.kind === 'locker'),
  );
}

const CODE = /^[A-Z0-9][A-Z0-9._-]{0,39}$/;

interface Values {
  code: string;
  name: string;
  kind: LocationKind;
  reservedForAgencyCode?: string;
  allowedCategories: Category[];
  features: Feature[];
  capacity?: number | null;
}

/** What the form says of the rules, as the API takes them: nothing chosen lifts a rule. */
function rulesOf(v: Values) {
  return {
    reservedForAgencyCode: v.reservedForAgencyCode || null,
    allowedCategories: v.allowedCategories.length ? v.allowedCategories : null,
    features: v.features,
    capacity: v.capacity ?? null,
  };
}

const sameSet = (a: readonly string[] | null, b: readonly string[] | null) =>
  a === null || b === null ? a === b : a.length === b.length && a.every((x) => b.includes(x));

/**
 * A new location inside `parent` (a site when there is none), or an existing one's name and rules. An edit
 * sends only what changed, so that a rule left alone is not checked again against what is kept there.
 */
export function LocationDialog({
  open,
  parent,
  editing,
  onClose,
}: {
  open: boolean;
  parent: Location | null;
  editing?: Location;
  onClose: () => void;
}) {
  const w = useWords(words);
  const a = useWords(admin);
  const c = useWords(common);
  const [form] = Form.useForm<Values>();
  const agencies = useAgencies();
  const create = useCreateLocation();
  const change = useChangeLocation();
  const running = editing ? change : create;
  const current = useLocation(editing?.code);
  const kinds = kindsInside(parent);
  const agencyCode = (id: string | null) => agencies.data?.items.find((g) => g.id === id)?.code;

  const close = () => {
    form.resetFields();
    create.reset();
    change.reset();
    onClose();
  };
  const onError = (error: unknown) => showFieldErrors(form, error);
  const submit = (v: Values) => {
    const rules = rulesOf(v);
    if (!editing) {
      create.mutate(
        {
          code: v.code.trim(),
          name: v.name.trim(),
          kind: v.kind,
          ...(parent ? { parentCode: parent.code } : {}),
          ...(rules.reservedForAgencyCode ? { reservedForAgencyCode: rules.reservedForAgencyCode } : {}),
          ...(rules.allowedCategories ? { allowedCategories: rules.allowedCategories } : {}),
          ...(rules.features.length ? { features: rules.features } : {}),
          ...(rules.capacity ? { capacity: rules.capacity } : {}),
        },
        { onSuccess: close, onError },
      );
      return;
    }
    const body: LocationChange = {};
    if (v.name.trim() !== editing.name) body.name = v.name.trim();
    if (rules.reservedForAgencyCode !== (agencyCode(editing.reservedAgencyId) ?? null))
      body.reservedForAgencyCode = rules.reservedForAgencyCode;
    if (!sameSet(rules.allowedCategories, editing.allowedCategories))
      body.allowedCategories = rules.allowedCategories as LocationChange['allowedCategories'];
    if (!sameSet(rules.features, editing.features)) body.features = rules.features;
    if (rules.capacity !== editing.capacity) body.capacity = rules.capacity;
    if (Object.keys(body).length === 0) return close();
    change.mutate({ code: editing.code, body }, { onSuccess: close, onError });
  };

  const initial: Partial<Values> = editing
    ? {
        name: editing.name,
        reservedForAgencyCode: agencyCode(editing.reservedAgencyId),
        allowedCategories: (editing.allowedCategories ?? []) as Category[],
        features: editing.features as Feature[],
        capacity: editing.capacity,
      }
    : { kind: kinds[0], allowedCategories: [], features: [] };

  return (
    <FormDialog
      open={open}
      title={editing ? w.editTitle(editing.code) : w.createTitle(parent?.code ?? null)}
      action={editing ? a.save : w.create}
      form={form}
      pending={running.isPending}
      error={running.error}
      onClose={close}
    >
      {editing && current.data && <Alert type="info" title={w.holds(current.data.itemCount)} role="status" />}
      <Form<Values>
        form={form}
        layout="vertical"
        requiredMark={false}
        initialValues={initial}
        onFinish={submit}
        onValuesChange={() => running.error && running.reset()}
      >
        {!editing && (
          <>
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
              <Select options={kinds.map((kind) => ({ value: kind, label: a[`locationKind_${kind}`] }))} />
            </Form.Item>
          </>
        )}
        <Form.Item name="name" label={w.name} rules={[{ required: true, whitespace: true, message: a.required }]}>
          <Input autoComplete="off" maxLength={200} autoFocus={!!editing} />
        </Form.Item>
        <Form.Item name="reservedForAgencyCode" label={w.reserved}>
          <Select
            allowClear
            placeholder={w.any}
            showSearch={{ optionFilterProp: 'label' }}
            options={agencies.data?.items.map((g) => ({ value: g.code, label: `${g.name}（${g.code}）` }))}
          />
        </Form.Item>
        <Form.Item name="allowedCategories" label={w.categories}>
          <Select
            mode="multiple"
            allowClear
            placeholder={w.any}
            options={CATEGORIES.map((category) => ({ value: category, label: c[`category_${category}`] }))}
          />
        </Form.Item>
        <Form.Item name="features" label={w.features}>
          <Checkbox.Group options={FEATURES.map((f) => ({ value: f, label: a[`feature_${f}`] }))} />
        </Form.Item>
        <Form.Item name="capacity" label={w.capacity}>
          <InputNumber min={1} max={1_000_000} precision={0} placeholder={w.unlimited} style={{ width: 160 }} />
        </Form.Item>
      </Form>
    </FormDialog>
  );
}
