import { Component, type ReactNode } from 'react';
import { Alert, Button } from 'antd';

interface Props {
  children: ReactNode;
  title: string;
  action: string;
}

/**
 * A page that throws while rendering shows what happened and a way on, never a blank screen. An alert, as a
 * route that fails to load shows, rather than a Result: every page carries this boundary's code.
 */
export class ErrorBoundary extends Component<Props, { error?: Error }> {
  state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (!this.state.error) return this.props.children;
    return (
      <Alert
        type="error"
        showIcon
        role="alert"
        title={this.props.title}
        description={this.state.error.message}
        action={<Button onClick={() => window.location.reload()}>{this.props.action}</Button>}
      />
    );
  }
}
