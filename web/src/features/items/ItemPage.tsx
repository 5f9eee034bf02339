export default function ItemPage() {
  return null;
}
